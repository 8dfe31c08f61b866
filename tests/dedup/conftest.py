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
    from tests.dedup.common import replay_docs

    def run(docs):
        return replay_docs(Detector(settings), featurizer, docs)[0]

    return run
