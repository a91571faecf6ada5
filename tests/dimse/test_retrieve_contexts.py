"""Which accepted presentation context a C-MOVE/C-GET sub-operation uses for a stored object."""

from __future__ import annotations

import pytest

from pypacs.archive.retrieve import RetrieveTarget
from pypacs.dimse.retrieve import SubOperationError, best_context

CT = "1.2.840.10008.5.1.4.1.1.2"
J2K, JPEG, EXPLICIT, IMPLICIT, DEFLATE = ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.1",
                                          "1.2.840.10008.1.2", "1.2.840.10008.1.2.1.99")  # fmt: skip


def stored_as(syntax: str) -> RetrieveTarget:
    return RetrieveTarget("1.2.3.4", CT, syntax, "key")


def test_the_stored_syntax_wins_wherever_it_stands():
    assert best_context(stored_as(J2K), [(1, EXPLICIT), (3, J2K)]) == (3, J2K)


def test_another_compressed_syntax_is_passed_over_for_one_the_object_converts_to():
    # accepted for another object of the class (stored as JPEG): not usable for a JPEG 2000 one
    assert best_context(stored_as(J2K), [(1, JPEG), (3, EXPLICIT)]) == (3, EXPLICIT)


def test_deflate_is_not_a_conversion_target_and_nothing_usable_fails_the_sub_operation():
    with pytest.raises(SubOperationError, match=f"accepted syntaxes: {JPEG}, {DEFLATE}"):
        best_context(stored_as(J2K), [(1, JPEG), (3, DEFLATE)])
    assert best_context(stored_as(J2K), [(1, DEFLATE), (3, IMPLICIT)]) == (3, IMPLICIT)
