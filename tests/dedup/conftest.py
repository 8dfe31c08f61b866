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
