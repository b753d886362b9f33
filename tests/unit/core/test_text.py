import unicodedata

from khdesk.core.text import fold, name_sort_key, nfc


def test_fold_drops_marks_and_maps_d_stroke():
    assert fold("Nguyễn Đức Thắng") == "nguyen duc thang"
    assert fold("ĐÚC") == "duc"
    assert fold("Dục") == "duc"
    assert fold("Trường Sa") == "truong sa"


def test_fold_same_for_nfd_input():
    decomposed = unicodedata.normalize("NFD", "Lê Thị Ngọc Ánh")
    assert decomposed != "Lê Thị Ngọc Ánh"
    assert fold(decomposed) == fold("Lê Thị Ngọc Ánh") == "le thi ngoc anh"


def test_nfc_composes_and_trims():
    assert nfc("  Nguye\u0302\u0303n   Văn ") == "Nguyễn Văn"
    assert nfc(None) is None


def test_names_sort_by_given_name_then_family_in_vietnamese_order():
    names = ["Trần Văn Đông", "Lê Thị Dung", "Nguyễn Văn Anh", "Phạm Thị Ánh", "Võ Ăn", "Hồ Ân"]
    ordered = sorted(names, key=name_sort_key)
    # a < ă < â; d < đ; given name decides before family name
    assert ordered == [
        "Nguyễn Văn Anh",
        "Phạm Thị Ánh",
        "Võ Ăn",
        "Hồ Ân",
        "Lê Thị Dung",
        "Trần Văn Đông",
    ]


def test_same_given_name_sorts_by_family_name():
    assert sorted(["Trần Bình", "Lê Bình", "Đỗ Bình", "Dương Bình"], key=name_sort_key) == [
        "Dương Bình",
        "Đỗ Bình",
        "Lê Bình",
        "Trần Bình",
    ]


def test_o_variants_order():
    words = ["ơ", "o", "ô", "p"]
    assert sorted(words, key=name_sort_key) == ["o", "ô", "ơ", "p"]
