"""Shared constants of the detector tests."""

from zoneinfo import ZoneInfo

#: Moscow time (UTC+3 all year since 2014): every fixture's publication time is in it.
MSK = ZoneInfo("Europe/Moscow")


def replay_docs(det, featurizer, docs, *, revisit: bool = True):  # type: ignore[no-untyped-def]
    """Run ``docs`` through ``det`` in order, as the pipeline does (late attachment included
    unless ``revisit=False``). Returns ``({doc id: story id}, [(doc id, old story id) moved
    late], [decision per doc])``; checks that the index agrees with the returned stories."""
    got: dict[str, int] = {}
    moves: list[tuple[str, int]] = []
    decisions = []
    nxt = 1
    for d, f in zip(docs, featurizer.featurize(docs)):
        dec = det.decide(f)
        decisions.append(dec)
        sid = dec.story_id
        if sid is None:
            sid, nxt = nxt, nxt + 1
        det.add(sid, d.id, f)
        got[d.id] = sid
        if revisit:
            for doc, old, again in det.revisit(dec, sid):
                assert again.story_id == sid and again.score >= det.settings.threshold
                got[doc] = sid
                moves.append((doc, old))
    for doc, sid in got.items():
        assert det.story_of(doc) == sid
    return got, moves, decisions
