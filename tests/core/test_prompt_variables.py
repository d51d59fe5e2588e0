"""Prompt variables: the expansion grammar, wildcard files, limits and malformed input."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qwenimg_desktop.core.batch.variables import (
    MAX_EXPANSIONS,
    PromptVariablesError,
    expand,
    folder_source,
    has_variables,
    list_wildcards,
    mapping_source,
    resolve,
    spans,
    wildcard_path,
)

NO_LISTS = mapping_source({})


def all_of(text: str, **lists: list[str]) -> list[str]:
    return expand(text, mapping_source(dict(lists)))


def test_plain_text_is_one_prompt_unchanged() -> None:
    assert all_of("a cat | on a mat, 猫") == ["a cat | on a mat, 猫"]


def test_alternatives_enumerate_in_order_rightmost_fastest() -> None:
    assert all_of("{red|blue} {cat|dog}") == ["red cat", "red dog", "blue cat", "blue dog"]


def test_nesting_counts_each_inner_combination() -> None:
    prompts = all_of("a {small {red|blue}|big} box")
    assert prompts == ["a small red box", "a small blue box", "a big box"]
    assert resolve("a {small {red|blue}|big} box", NO_LISTS).count == 3


def test_empty_alternative_means_optional() -> None:
    assert all_of("cat{, hat|}") == ["cat, hat", "cat"]


def test_escapes_write_the_character_and_other_backslashes_stay() -> None:
    assert all_of(r"\{not a choice\} a\|b \_\_x\_\_ C:\path \\") == [
        "{not a choice} a|b __x__ C:\\path \\"
    ]


def test_wildcard_entries_are_alternatives_and_may_hold_variables() -> None:
    prompts = all_of("__colour__ sky", colour=["red", "{light|dark} blue"])
    assert prompts == ["red sky", "light blue sky", "dark blue sky"]


def test_wildcard_file_in_data_dir_utf8_chinese_comments_and_blank_lines(tmp_path: Path) -> None:
    path = wildcard_path(tmp_path, "颜色")
    path.parent.mkdir(parents=True)
    path.write_text("# colours\n红色\n\n  蓝色  \n", encoding="utf-8")
    assert expand("一只__颜色__的猫", folder_source(tmp_path)) == ["一只红色的猫", "一只蓝色的猫"]
    assert list_wildcards(tmp_path) == ["颜色"]


def test_missing_wildcard_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(PromptVariablesError, match=r"wildcards/colours\.txt, which does not exist"):
        expand("a __colours__ cat", folder_source(tmp_path))


def test_empty_wildcard_list_names_the_file(tmp_path: Path) -> None:
    path = wildcard_path(tmp_path, "empty")
    path.parent.mkdir(parents=True)
    path.write_text("# only a comment\n\n   \n", encoding="utf-8")
    with pytest.raises(PromptVariablesError, match=r"wildcards/empty\.txt has no entries"):
        expand("__empty__", folder_source(tmp_path))


def test_wildcard_file_not_utf8_is_refused_with_the_byte(tmp_path: Path) -> None:
    path = wildcard_path(tmp_path, "gbk")
    path.parent.mkdir(parents=True)
    path.write_bytes("红色".encode("gbk"))
    with pytest.raises(PromptVariablesError, match=r"gbk\.txt is not UTF-8 text \(byte 1\)"):
        expand("__gbk__", folder_source(tmp_path))


def test_error_inside_a_wildcard_entry_names_file_and_line() -> None:
    with pytest.raises(PromptVariablesError,
                       match=r"wildcards/bad\.txt line 2, position 3 is never closed"):
        all_of("__bad__", bad=["ok", "a {b"])


def test_wildcards_naming_each_other_in_a_loop_are_refused() -> None:
    with pytest.raises(PromptVariablesError, match="loop: __a__ → __b__ → __a__"):
        all_of("__a__", a=["x __b__"], b=["__a__"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a {red|blue", r"opened at position 3 is never closed"),
        ("a red} cat", r"closing brace \} at position 6 has no opening"),
        ("{a|{b|c}", r"opened at position 1 is never closed"),
        ("x {} y", r"Empty braces \{\} at position 3"),
    ],
)
def test_malformed_prompts_name_the_position(text: str, message: str) -> None:
    with pytest.raises(PromptVariablesError, match=message):
        all_of(text)


def test_over_the_limit_is_refused_before_expanding() -> None:
    # 10^6 combinations: counted, never built.
    text = "{0|1|2|3|4|5|6|7|8|9}" * 6
    variables = resolve(text, NO_LISTS)
    assert variables.count == 10**6
    with pytest.raises(PromptVariablesError, match="1,000,000 combinations; the limit is 1,000"):
        variables.all()
    assert variables.combination(10**6 - 1) == "9" * 6
    with pytest.raises(PromptVariablesError, match=f"limit is {MAX_EXPANSIONS:,}"):
        resolve("{a|b}" * 11, NO_LISTS).all()  # 2,048


def test_random_picks_are_reproducible_by_seed_and_within_the_combinations() -> None:
    text = "{a|b|c}{1|2|3}{x|y}"
    everything = set(all_of(text))
    first = expand(text, NO_LISTS, mode="random", picks=50, seed=7)
    assert first == expand(text, NO_LISTS, mode="random", picks=50, seed=7)
    assert first != expand(text, NO_LISTS, mode="random", picks=50, seed=8)
    assert set(first) <= everything
    assert len(set(first)) > 5


def test_random_picks_work_on_astronomical_counts() -> None:
    text = "{0|1|2|3|4|5|6|7|8|9}" * 40  # 10^40 combinations
    picks = expand(text, NO_LISTS, mode="random", picks=3, seed=1)
    assert len(picks) == 3
    assert all(len(p) == 40 for p in picks)


def test_too_many_picks_or_none_are_refused() -> None:
    with pytest.raises(PromptVariablesError, match="1,001 random picks asked; the limit is 1,000"):
        expand("{a|b}", NO_LISTS, mode="random", picks=1001)
    with pytest.raises(PromptVariablesError, match="at least 1"):
        expand("{a|b}", NO_LISTS, mode="random", picks=0)


def test_sample_spreads_over_first_and_last() -> None:
    variables = resolve("{a|b|c|d|e|f|g|h|i|j}", NO_LISTS)
    assert variables.sample(3) == ["a", "e", "j"]
    assert resolve("{a|b}", NO_LISTS).sample(5) == ["a", "b"]


def test_spans_mark_variables_and_unmatched_braces_without_raising() -> None:
    found = {(s.start, s.end, s.kind) for s in spans(r"{a|b} __c__ \{ } {")}
    assert (0, 1, "brace") in found
    assert (2, 3, "separator") in found
    assert (6, 11, "wildcard") in found
    assert (12, 14, "escape") in found
    assert (15, 16, "error") in found
    assert (17, 18, "error") in found
    assert not has_variables("a plain | prompt")
    assert has_variables("a {b|c}")


# ---- property tests ------------------------------------------------------------------------------

_word = st.text(alphabet=st.sampled_from("ab猫 ,"), min_size=0, max_size=4)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_word, min_size=1, max_size=4), min_size=0, max_size=4))
def test_flat_choices_expand_to_the_cartesian_product(groups: list[list[str]]) -> None:
    # A lone empty alternative would be "{}" (refused): write it as "{|}" (two empty ones).
    groups = [["", ""] if group == [""] else group for group in groups]
    text = "".join("{" + "|".join(group) + "}" for group in groups)
    expected = ["".join(combo) for combo in itertools.product(*groups)]
    assert all_of(text) == expected


_plain = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=200, deadline=None)
@given(_plain)
def test_escaping_every_special_character_gives_back_the_text(text: str) -> None:
    escaped = "".join("\\" + c if c in "{}|_\\" else c for c in text)
    assert all_of(escaped) == [text]


@settings(max_examples=200, deadline=None)
@given(_plain)
def test_any_text_either_expands_or_raises_the_typed_error(text: str) -> None:
    try:
        variables = resolve(text, mapping_source({}))
    except PromptVariablesError as error:
        message = str(error)
    else:
        assert variables.count >= 1
        assert len(variables.sample(3)) >= 1
        return
    assert "position" in message or "wildcards/" in message
