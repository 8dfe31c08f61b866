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


def legacy_blob(f, n_arrays: int) -> bytes:
    """``f.to_bytes()`` cut after its first ``n_arrays`` arrays: a blob written before the
    later optional arrays existed (15 = before ``places``, 16 = before ``qnames``, 17 = before
    the publication interval)."""
    import struct

    import numpy as np

    b = f.to_bytes()
    off = 4 + struct.calcsize("<BdI")
    for arr, dt in f._arrays()[:n_arrays]:
        off += 4 + np.asarray(arr, dtype=dt).size * np.dtype(dt).itemsize
    return b[:off]
