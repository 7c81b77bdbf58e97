"""TeX in arXiv titles and abstracts, rendered as MathML at publish time (no script on the page).

`tex_markup(text)` splits a title or abstract into plain text and TeX spans (`$…$`, `$$…$$`,
`\\(…\\)`, `\\[…\\]`), converts each span with latex2mathml and returns the whole as one
`markupsafe.Markup`, the `tex` filter of the templates (render.py).

Why returning Markup is safe here, although the site's rule is that Python never builds markup:
every byte of it comes from `_serialize` below, which writes only
  * plain text and the source of a span that did not convert, through `markupsafe.escape`
    (the escaping jinja's autoescape applies to every other value);
  * MathML elements whose names are in `MATHML_ELEMENTS` (MathML presentation elements only: no
    `<script>`, `<annotation-xml>`, `<semantics>`, `<maction>`, no foreign element), written by
    this module from the name, never copied from the converter's text;
  * attributes whose names are in `MATHML_ATTRIBUTES` (no href, no xlink, no event handler, no
    style, class or id, no colour) and whose values match that attribute's pattern (keywords,
    true/false, lengths), escaped all the same; any other attribute drops the formula.
The converter's own string is never emitted: it is parsed by expat (`xml.etree`), a strict
parser, and rebuilt element by element. latex2mathml writes the text of `\\text{…}` unescaped
into that string, so `$\\text{<b>}$` is not well-formed XML there and falls back, rather than
ever reaching the page as markup.

Whatever does not convert cleanly stays as its escaped TeX source (delimiters included): a
converter exception or RecursionError, a span longer than `MAX_FORMULA_CHARS`, braces or
`\\left`/`\\begin` nested deeper than `MAX_NESTING` (checked before converting), a command
latex2mathml does not know (it leaves `\\name` as text), a disallowed element or attribute, a
tree deeper than `MAX_TREE_DEPTH`. A text longer than `MAX_TEXT_CHARS`, and the spans past the
first `MAX_FORMULAS` of a text, are shown as source without trying.

Dollars follow pandoc's rule, so prices do not become formulas: an opening `$` is followed by a
non-space, a closing `$` follows a non-space and is not followed by a digit; `\\$` is a dollar
sign. A `$` with no closing one is text. Scanning is linear in the text's length.

Outside math, a few text-mode macros arXiv abstracts carry are shown as what they print
(`\\textapprox` as ≈, `\\%` as %, …: `_TEXT_MACROS`). Inside math `\\textapprox` becomes
`\\approx` and `\\not=` becomes `\\neq` (`_MATH_REWRITES`); `~` is a space and `\\rm{fb}` upright
(latex2mathml's own handling). Pages only: `<title>`, meta descriptions, the Atom feed and the
sitemap show the escaped TeX source, and the Markdown and JSON exports keep the TeX untouched.

Conversions are memoized (a title is shown on its day, the front page, its categories, the
archive, its paper page and the week and month), both per formula and per text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from hotpapers.publish.site.sanitize import BIDI_CONTROLS, strip_forbidden

MAX_TEXT_CHARS = 20_000  # longer texts (only hostile ones: abstracts are cut at 4,000) are shown as source
MAX_FORMULAS = 100  # per text; real abstracts have a few dozen at most
MAX_FORMULA_CHARS = 500  # TeX source of one span, delimiters excluded
MAX_NESTING = 12  # braces, \left…\right and \begin…\end, counted together, before converting
MAX_TREE_DEPTH = 48  # elements deep in the converted MathML (latex2mathml adds an mrow per group)

_MATHML_NS = "{http://www.w3.org/1998/Math/MathML}"

# MathML presentation elements latex2mathml writes (MathML Core and the few MathML 3 ones it uses).
MATHML_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt mroot "
    "mstyle mpadded mphantom menclose mtable mtr mtd mmultiscripts mprescripts none merror".split()
)
_TOKEN_ELEMENTS = frozenset("mi mn mo ms mtext".split())

_BOOLEAN = re.compile(r"true|false")
_ONE_LENGTH = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:em|ex|px|pt|pc|in|cm|mm|%)?"
_LENGTH = re.compile(_ONE_LENGTH)
_LENGTHS = re.compile(rf"{_ONE_LENGTH}(?: {_ONE_LENGTH}){{0,49}}")  # one per column or row
_KEYWORD = r"(?:left|center|right|top|bottom|baseline|axis|none|solid|dashed)"
_KEYWORDS = re.compile(rf"{_KEYWORD}(?: {_KEYWORD}){{0,49}}")
_VARIANT = re.compile(
    r"normal|bold|italic|bold-italic|double-struck|bold-fraktur|script|bold-script|fraktur|sans-serif"
    r"|bold-sans-serif|sans-serif-italic|sans-serif-bold-italic|monospace"
)
_NOTATION = re.compile(
    r"(?:box|roundedbox|circle|left|right|top|bottom|updiagonalstrike|downdiagonalstrike|verticalstrike"
    r"|horizontalstrike|longdiv|actuarial|madruwb)(?: (?:box|roundedbox|circle|left|right|top|bottom"
    r"|updiagonalstrike|downdiagonalstrike|verticalstrike|horizontalstrike|longdiv|actuarial|madruwb)){0,12}"
)
# Every attribute a formula may carry, with the values it may take: presentation only.
MATHML_ATTRIBUTES: dict[str, re.Pattern[str]] = {
    "display": re.compile(r"inline|block"),
    "mathvariant": _VARIANT,
    "mathsize": _LENGTH,
    "displaystyle": _BOOLEAN,
    "scriptlevel": re.compile(r"[+-]?\d"),
    "stretchy": _BOOLEAN,
    "fence": _BOOLEAN,
    "separator": _BOOLEAN,
    "largeop": _BOOLEAN,
    "movablelimits": _BOOLEAN,
    "symmetric": _BOOLEAN,
    "accent": _BOOLEAN,
    "accentunder": _BOOLEAN,
    "form": re.compile(r"prefix|infix|postfix"),
    "lspace": _LENGTH,
    "rspace": _LENGTH,
    "minsize": _LENGTH,
    "maxsize": _LENGTH,
    "width": _LENGTH,
    "height": _LENGTH,
    "depth": _LENGTH,
    "voffset": _LENGTH,
    "linethickness": _LENGTH,
    "notation": _NOTATION,
    "columnalign": _KEYWORDS,
    "rowalign": _KEYWORDS,
    "columnlines": _KEYWORDS,
    "rowlines": _KEYWORDS,
    "frame": _KEYWORDS,
    "columnspacing": _LENGTHS,
    "rowspacing": _LENGTHS,
    "columnspan": re.compile(r"[1-9]\d?"),
    "rowspan": re.compile(r"[1-9]\d?"),
}
# Attributes latex2mathml writes that are dropped, not refused: colours (`\color{white}` could hide
# text), and a MathML 3 line-break hint no browser needs.
_DROPPED = frozenset({"mathcolor", "mathbackground", "linebreak"})

# latex2mathml leaves a command it does not know as the text `\name` of an <mi>.
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]")
# latex2mathml copies \text{…} into its XML unescaped, so the parser would read `&lt;` there as `<`:
# a span holding anything like a character reference is shown as source, exactly as written.
_REFERENCE_LIKE = re.compile(r"&#?[A-Za-z0-9]+;")
_NESTING_TOKEN = re.compile(r"\\\\|\\[{}]|[{}]|\\(?:left|right|begin|end)(?![A-Za-z])")

# Text-mode macros of real arXiv abstracts, shown as what TeX prints. A control word eats the spaces
# after it ("\textapprox 20" prints "≈20"); an escaped special character is that character.
_TEXT_MACROS = {"textapprox": "≈", "textasciitilde": "~", "textless": "<", "textgreater": ">"}
_TEXT_MACRO = re.compile(r"\\(" + "|".join(_TEXT_MACROS) + r")(?![A-Za-z]) *|\\([%&$#_])")
# Inside math: text-mode symbols as their math commands, and the negations latex2mathml draws as an
# overlaid slash (which Chromium renders poorly) as their own symbols.
_MATH_REWRITES = (
    (re.compile(r"\\textapprox(?![A-Za-z])"), r"\\approx "),
    (re.compile(r"\\textasciitilde(?![A-Za-z])"), r"\\sim "),
    (re.compile(r"\\not\s*="), r"\\neq "),
    (re.compile(r"\\not\s*\\in(?![A-Za-z])"), r"\\notin "),
)

# Where a span may open: `\\` and `\$` are skipped (an escaped backslash, a dollar sign).
_OPENER = re.compile(r"\\\\|\\\$|\$\$|\$|\\\(|\\\[")
_INLINE_BODY = re.compile(r"(?:[^$\\]|\\.)*", re.S)  # up to the next unescaped $


@dataclass(frozen=True)
class TexSegment:
    """A piece of a title or abstract: plain text, or a TeX span (`source` with its delimiters)."""

    source: str
    tex: str | None = None  # the TeX between the delimiters; None for plain text
    display: bool = False


def _inline_close(text: str, start: int) -> int | None:
    """Index of the `$` closing an inline span whose body starts at `start`, or None (the $ is text)."""
    body_end = _INLINE_BODY.match(text, start).end()  # type: ignore[union-attr]  # * always matches
    if body_end >= len(text) or body_end == start:
        return None
    # pandoc's rule: no space inside either dollar, no digit right after the closing one.
    if text[start].isspace() or text[body_end - 1].isspace():
        return None
    if body_end + 1 < len(text) and text[body_end + 1].isdigit():
        return None
    return body_end


def split_tex(text: str) -> list[TexSegment]:
    """The text as plain and TeX segments, in order; joined, their sources give the text back."""
    segments: list[TexSegment] = []
    plain_from = 0
    position = 0
    closed = {"$$": True, "\\(": True, "\\[": True}  # False once a closer is known to be missing
    while (found := _OPENER.search(text, position)) is not None:
        opener = found.group()
        start = found.end()
        end: int | None = None  # index of the closing delimiter
        if opener in ("\\\\", "\\$"):
            position = start
            continue
        if opener == "$":
            end = _inline_close(text, start)
            closer = "$"
        else:
            closer = {"$$": "$$", "\\(": "\\)", "\\[": "\\]"}[opener]
            if closed[opener]:
                index = text.find(closer, start)
                if index < 0:
                    closed[opener] = False  # none later either: every later opener is text
                elif index > start:
                    end = index
        if end is None:
            position = start
            continue
        if found.start() > plain_from:
            segments.append(TexSegment(text[plain_from : found.start()]))
        stop = end + len(closer)
        segments.append(TexSegment(text[found.start() : stop], text[start:end], opener in ("$$", "\\[")))
        plain_from = position = stop
    if plain_from < len(text):
        segments.append(TexSegment(text[plain_from:]))
    return segments


def _text_macro(match: re.Match[str]) -> str:
    return _TEXT_MACROS[match.group(1)] if match.group(1) else match.group(2)


def plain_text(text: str) -> str:
    """Text outside math as TeX prints it (the macros of `_TEXT_MACROS`); the rest is left as it is."""
    return _TEXT_MACRO.sub(_text_macro, text) if "\\" in text else text


def _nesting(tex: str) -> int:
    depth = deepest = 0
    for token in _NESTING_TOKEN.findall(tex):
        if token in ("{", "\\left", "\\begin"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("}", "\\right", "\\end"):
            depth -= 1
    return deepest


class _Refused(Exception):
    """The converted formula holds something this module does not emit."""


def _serialize(element: ET.Element, out: list[str], depth: int) -> None:
    if not element.tag.startswith(_MATHML_NS):
        raise _Refused(f"foreign element {element.tag!r}")
    name = element.tag[len(_MATHML_NS) :]
    if name not in MATHML_ELEMENTS or depth > MAX_TREE_DEPTH:
        raise _Refused(name)
    out.append("<" + name)
    for attribute, value in sorted(element.attrib.items()):
        if attribute in _DROPPED:
            continue
        pattern = MATHML_ATTRIBUTES.get(attribute)
        if pattern is None:
            raise _Refused(f"attribute {attribute!r}")  # href, style, class, xlink:…, on…: the source is shown
        if attribute == "display" and value == "inline":
            continue  # the default
        if pattern.fullmatch(value):  # a value out of its pattern is left out: the formula still reads
            out.append(f' {attribute}="{escape(value)}"')
    out.append(">")
    if element.text:
        if _UNKNOWN_COMMAND.search(element.text) or BIDI_CONTROLS.search(element.text):
            raise _Refused(f"unknown command or bidi control in {element.text!r}")
        if name not in _TOKEN_ELEMENTS and element.text.strip():
            raise _Refused(f"text directly in <{name}>")
        out.append(str(escape(strip_forbidden(element.text))))
    for child in element:
        _serialize(child, out, depth + 1)
        if child.tail and child.tail.strip():
            raise _Refused("text between elements")
    out.append(f"</{name}>")


@lru_cache(maxsize=8192)
def formula_markup(tex: str, display: bool = False) -> str | None:
    """The MathML of one TeX span, rebuilt from the whitelist; None when it is to be shown as source."""
    from latex2mathml.converter import convert

    if not tex.strip() or len(tex) > MAX_FORMULA_CHARS or _REFERENCE_LIKE.search(tex) or _nesting(tex) > MAX_NESTING:
        return None
    prepared = tex
    if "\\" in tex:
        for pattern, replacement in _MATH_REWRITES:
            prepared = pattern.sub(replacement, prepared)
    try:
        converted = convert(prepared, display="block" if display else "inline")
        if "<!" in converted or "<?" in converted:  # no DOCTYPE, entity declaration, CDATA or PI
            return None
        # The string has no DOCTYPE or entity declaration (refused just above), so none of the XML
        # expansion attacks B314 warns of can reach expat; its elements are then rebuilt from whitelists.
        tree = ET.fromstring(converted)  # nosec B314
        out: list[str] = []
        _serialize(tree, out, 0)
    except Exception:  # _Refused, ParseError, RecursionError, any converter error: the source is shown
        return None
    return "".join(out)


@lru_cache(maxsize=4096)
def tex_markup(text: str) -> Markup:
    """The `tex` filter: a title or abstract with its TeX spans as MathML, everything else escaped."""
    text = strip_forbidden(text)
    if len(text) > MAX_TEXT_CHARS or ("$" not in text and "\\" not in text):
        return escape(text)
    out: list[str] = []
    formulas = 0
    for segment in split_tex(text):
        if segment.tex is None:
            out.append(str(escape(plain_text(segment.source))))
            continue
        formulas += 1
        mathml = formula_markup(segment.tex, segment.display) if formulas <= MAX_FORMULAS else None
        out.append(mathml if mathml is not None else str(escape(segment.source)))
    # Safe Markup (B704): only escape() and _serialize() wrote it, from whitelists (module docstring).
    return Markup("".join(out))  # nosec B704
