"""Incremental story detector: in-memory index of stories and the attach rule.

State (all in RAM, rebuilt by the pipeline at start-up through :meth:`Detector.add`):

* every article: ``doc id → (story id, published POSIX s, text length)`` (~150 B);
* every story: member list and canonical doc id;
* hot articles only (see :mod:`crawler.dedup.index`): full :class:`Features` and
  their cached TF-IDF weights;
* document frequencies of stems (:class:`crawler.dedup.idf.DocFreq`) and of hashed
  character n-grams (:class:`crawler.dedup.idf.HashedDocFreq`).

Attach rule (no chaining). For each candidate story, the new article is scored
(:func:`crawler.dedup.scorer.probability`) against the story's canonical ``C`` and
its hot members (at most :data:`MAX_MEMBERS`, canonical first, then most recent). A member other than
the canonical that shares no content with the article (char cosine < ``CAND_CHAR`` and
stem cosine < ``CAND_TFIDF``, the scorer's candidate condition) counts with ``p = 0``
without computing the other signals.
With ``n`` scored members the story score ``S`` is the mean of the ``n//2 + 1``
highest member probabilities (:func:`story_score`: average link over a strict
majority). An article that matches one member but not the rest scores about
half, so A~B, B~C, A≁C never pulls C into A's story via B. The best story wins if
``S ≥ settings.threshold``. The rule and the scorer's intercept were chosen by
grouped cross-validation (:mod:`crawler.dedup.calibrate`, docs/dedup.md).
"""

from __future__ import annotations

import math
import threading


from crawler.config import DedupSettings
from crawler.dedup.canonical import choose_canonical_ts
from crawler.dedup.encoder import dequantize
from crawler.dedup.features import Features
from crawler.dedup.idf import DocFreq, HashedDocFreq
from crawler.dedup.index import HotIndex
from crawler.dedup.scorer import CAND_CHAR, CAND_TFIDF, probability
from crawler.dedup.signals import CharProbe, char_vector, pair_signals, sparse_cos, tfidf_vector
from crawler.types import StoryDecision

#: Members of one story scored per decision.
MAX_MEMBERS = 12
#: Candidate stories scored in full per decision (ranked by best char n-gram cosine).
MAX_STORIES = 10
#: Lowest story score (in the triggering article's ranking) at which a lone article is revisited.
REVISIT_FLOOR = 0.2
#: Slack (days) beyond the window before a hot article is evicted.
EVICT_SLACK_DAYS = 1.0


class Detector:
    """Incremental in-memory index of stories (see module doc).

    ``evict=False`` keeps every article hot (offline runs over small archives,
    articles without dates compared with everything).
    """

    def __init__(self, settings: DedupSettings, *, evict: bool = True) -> None:
        self.settings = settings
        self.window_days = settings.window.total_seconds() / 86400.0
        self.evict = evict
        self.df = DocFreq()
        self.cdf = HashedDocFreq()
        #: Scorer weights (``None`` = the shipped constants); calibration swaps them in.
        self.weights = None
        self.hot = HotIndex()
        self.docs: dict[str, tuple[int, float, int]] = {}
        self.stories: dict[int, list[str]] = {}
        self.canonical: dict[int, str] = {}
        self.watermark = -math.inf
        self._last_evict = -math.inf
        self._local = threading.local()

    # ------------------------------------------------------------------ registry
    def __len__(self) -> int:
        """Number of registered articles."""
        return len(self.docs)

    def story_members(self, story_id: int) -> list[str]:
        """Doc ids of the story in registration order (empty for an unknown story)."""
        return list(self.stories.get(story_id, ()))

    def story_of(self, doc_id: str) -> int | None:
        """Story id of a registered doc, else ``None``."""
        e = self.docs.get(doc_id)
        return None if e is None else e[0]

    def canonical_of(self, story_id: int) -> str | None:
        """Canonical doc id of the story (rule in :mod:`crawler.dedup.canonical`)."""
        return self.canonical.get(story_id)

    def add(self, story_id: int, doc_id: str, features: Features) -> None:
        """Register ``doc_id`` as a member of ``story_id`` (re-adding moves it).

        Counts its terms into the IDF table; keeps its features in RAM while hot.
        """
        if doc_id in self.docs:
            self.remove(doc_id)
        self.df.add(features.terms)
        self.cdf.add(features.chars)
        self.docs[doc_id] = (story_id, features.published_at, features.text_len)
        self.stories.setdefault(story_id, []).append(doc_id)
        self._recanon(story_id)
        day = features.day
        if not math.isnan(day) and day > self.watermark:
            self.watermark = day
        ref = day if not math.isnan(day) else (self.watermark if self.watermark > -math.inf else 0.0)
        expiry = ref + self.window_days + EVICT_SLACK_DAYS
        if not self.evict:
            expiry = math.inf
        if expiry >= self.watermark:
            self.hot.insert(doc_id, features, self.df, self.cdf, expiry)
        if self.evict and self.watermark - self._last_evict >= 0.25:
            self._last_evict = self.watermark
            for d in self.hot.expired(self.watermark):
                self.hot.delete(d)

    def remove(self, doc_id: str) -> None:
        """Forget a doc (no-op when unknown). Its IDF counts are withdrawn while it is hot."""
        e = self.docs.pop(doc_id, None)
        if e is None:
            return
        f = self.hot.delete(doc_id)
        if f is not None:
            self.df.add(f.terms, -1)
            self.cdf.add(f.chars, -1)
        members = self.stories.get(e[0], [])
        if doc_id in members:
            members.remove(doc_id)
        if not members:
            self.stories.pop(e[0], None)
            self.canonical.pop(e[0], None)
        else:
            self._recanon(e[0])

    def move(self, doc_id: str, new_story_id: int) -> None:
        """Re-assign a registered doc to ``new_story_id``.

        Raises:
            KeyError: unknown ``doc_id``.
        """
        old, pub, tlen = self.docs[doc_id]
        if old == new_story_id:
            return
        self.stories[old].remove(doc_id)
        if not self.stories[old]:
            del self.stories[old]
            self.canonical.pop(old, None)
        else:
            self._recanon(old)
        self.docs[doc_id] = (new_story_id, pub, tlen)
        self.stories.setdefault(new_story_id, []).append(doc_id)
        self._recanon(new_story_id)

    def merge(self, story_a: int, story_b: int) -> None:
        """Move every member of ``story_b`` into ``story_a`` (``story_b`` disappears)."""
        if story_a == story_b:
            return
        for d in list(self.stories.get(story_b, ())):
            self.move(d, story_a)

    def _recanon(self, story_id: int) -> None:
        members = self.stories.get(story_id)
        if members:
            self.canonical[story_id] = choose_canonical_ts([(d, self.docs[d][1], self.docs[d][2]) for d in members])

    # ------------------------------------------------------------------ decision
    def decide(self, features: Features, *, exclude_story: int | None = None) -> StoryDecision:
        """Which story ``features`` reprints, or ``story_id=None`` for a new one.

        ``exclude_story``: a story never considered (the article's own, when a registered
        article is re-decided by :meth:`revisit`). Does not mutate the index (only a
        per-thread scratch :class:`CharProbe`)."""
        cands = self.hot.candidates(features, self.df, self.window_days)
        q = (features, tfidf_vector(features, self.df), char_vector(features, self.cdf),
             dequantize(features.vec) if features.vec.size else None)  # fmt: skip
        probe = getattr(self._local, "probe", None)
        if probe is None:
            probe = self._local.probe = CharProbe()
        probe.load(features.chars, q[2])
        # a story is scored only if a candidate member shares real content (the pairs the scorer was fitted on)
        keep = []
        pre: dict[int, float] = {}
        pre_char: dict[str, tuple[float, float]] = {}
        for d in cands:
            if d not in self.docs or self.docs[d][0] == exclude_story:
                continue
            g, wg, cg, _ = self.hot.weights(d)
            pre_char[d] = cc = probe.cos_contain(g.chars, cg)
            c = cc[0]
            if c >= CAND_CHAR or sparse_cos(features.terms, q[1], g.terms, wg) >= CAND_TFIDF:
                keep.append(d)
                sid = self.docs[d][0]
                pre[sid] = max(pre.get(sid, 0.0), c)
        # the strongest single signal ranks candidate stories; only the best MAX_STORIES are scored in full
        story_ids = sorted(pre, key=lambda k: -pre[k])[:MAX_STORIES]
        results = [self._score_story(sid, q, pre_char, probe) for sid in story_ids]
        results.sort(key=lambda r: -r["score"])
        expl: dict[str, object] = {"candidates_docs": len(cands), "content_candidates": len(keep), "candidate_stories": len(story_ids)}
        expl["ranking"] = [{"story": r["story"], "score": round(r["score"], 4)} for r in results[:5]]
        if not results:
            return StoryDecision(story_id=None, score=0.0, explanation=expl)
        best = results[0]
        expl["best"] = best
        sid = best["story"] if best["score"] >= self.settings.threshold else None
        return StoryDecision(story_id=sid, score=float(best["score"]), explanation=expl)

    def revisit(self, decision: StoryDecision, story_id: int) -> list[tuple[str, int, StoryDecision]]:
        """Late attachment: re-decide the lone articles a new member of ``story_id`` touched.

        An article is decided once, against the stories of its moment. A teaser that came
        first, or right after a cut first reprint, started its own story; once the release's
        fuller reprints have joined ``story_id`` it matches that story (dev set: the G45
        teaser scores 0.26 against the first, truncated reprint and 0.55 against the five).
        Call after :meth:`add` registered the article whose ``decision`` is given: every
        *single-member* story in ``decision``'s ranking with score ≥ :data:`REVISIT_FLOOR`
        (other than ``story_id``) is decided again with its own story excluded; if it now
        attaches to ``story_id`` it is moved there (index only; the caller persists it).
        Articles no longer hot are skipped.

        Returns:
            ``[(doc_id, old_story_id, decision)]`` of the articles moved.
        """
        moved: list[tuple[str, int, StoryDecision]] = []
        for r in decision.explanation.get("ranking", ()):
            sid = r["story"]
            if sid == story_id or r["score"] < REVISIT_FLOOR or len(self.stories.get(sid, ())) != 1:
                continue
            doc = self.stories[sid][0]
            if doc not in self.hot.slot_of:
                continue
            again = self.decide(self.hot.weights(doc)[0], exclude_story=sid)
            if again.story_id == story_id:
                self.move(doc, story_id)
                moved.append((doc, sid, again))
        return moved

    def _score_story(self, sid: int, q, pre_char: dict[str, tuple[float, float]], probe: CharProbe) -> dict:
        f, wq, cq, vq = q
        members = self.stories[sid]
        canon = self.canonical[sid]
        hot = [d for d in reversed(members) if d != canon and d in self.hot.slot_of]
        order = ([canon] if canon in self.hot.slot_of else []) + hot
        order = order[:MAX_MEMBERS]
        probs: dict[str, float] = {}
        canon_signals = None
        vetoed: dict[str, list[str]] = {}
        no_content = []
        for d in order:
            g, wg, cg, vg = self.hot.weights(d)
            cc = pre_char.get(d)
            if cc is None:
                cc = probe.cos_contain(g.chars, cg)
            if d != canon and cc[0] < CAND_CHAR and sparse_cos(f.terms, wq, g.terms, wg) < CAND_TFIDF:
                # shares no content: outside the pairs the scorer was fitted on, and no support for the story
                probs[d] = 0.0
                no_content.append(d)
                continue
            s = pair_signals(f, g, wq, wg, vq, vg, cq, cg, char=cc)
            p, v = probability(s, self.window_days, self.settings.encoder, self.weights)
            probs[d] = p
            if v:
                vetoed[d] = v
            if d == canon:
                canon_signals = {k: (round(x, 4) if not math.isnan(x) else None) for k, x in s.items()}
        ps = list(probs.values())
        pc = probs.get(canon, max(ps) if ps else 0.0)
        score = story_score(ps, pc)
        return {
            "story": sid,
            "score": score,
            "canonical": canon,
            "p_canonical": round(pc, 4),
            "p_mean": round(sum(ps) / len(ps), 4) if ps else 0.0,
            "member_p": {d: round(p, 4) for d, p in probs.items()},
            "signals_vs_canonical": canon_signals,
            "vetoes": vetoed,
            "no_content": no_content,
        }


def story_score(ps: list[float], p_canonical: float = 0.0) -> float:
    """Story score: mean of the ``k = n//2 + 1`` highest member probabilities (a strict
    majority of the ``n`` scored members; ``p_canonical`` is unused and kept for the
    explanation). A new article must match most of a story, not one member, so
    A~B, B~C, A≁C never pulls C in through B (with n = 2 both members count)."""
    if not ps:
        return 0.0
    top = sorted(ps, reverse=True)[: len(ps) // 2 + 1]
    return sum(top) / len(top)
