import pytest

from crawler.config import DedupSettings
from crawler.dedup import Featurizer


@pytest.fixture(scope="session")
def settings():
    return DedupSettings()


@pytest.fixture(scope="session")
def featurizer(settings):
    """Encoder loaded once per session."""
    return Featurizer(settings)


@pytest.fixture
def replay(settings, featurizer):
    """Run docs through a fresh Detector in order, as the pipeline does (late attachment included): ``{doc id: story id}``."""
    from crawler.dedup import Detector

    def run(docs):
        det = Detector(settings)
        got, nxt = {}, 1
        for d, f in zip(docs, featurizer.featurize(docs)):
            dec = det.decide(f)
            sid = dec.story_id
            if sid is None:
                sid, nxt = nxt, nxt + 1
            det.add(sid, d.id, f)
            got[d.id] = sid
            for doc, _old, _again in det.revisit(dec, sid):
                got[doc] = sid
        return got

    return run
