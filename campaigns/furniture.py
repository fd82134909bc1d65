"""What a PDF, a web page or an email adds around a briefing, found and taken out of its lines.

`clean_lines()` splits decoded text into numbered, tidied lines and takes out what nobody wrote
as learning: page markers, a running header or footer, the links and buttons of an email or web
page ("View this email in your browser", "Back to top", "Quick exit", a breadcrumb), the
notices mail systems and sites add (copyright, mailing-list and confidentiality notices, the
external-sender banner), pictures (a logo's alt text, "[cid:image001.png@…]"), a one-page
document's footer, and a table of contents that repeats the headings. Everything taken out
except page numbers is reported, quoted, for a warning: a guess can be wrong, and a reader must
never lose text silently. Text pasted from a web page, one paragraph per line with no blank
lines, gets a blank line after each paragraph, so the reader downstream sees paragraphs the same
way whatever the source.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from briefcast.campaigns.pages import (
    NUMBERED_PAGE,
    RUNNING_HEADER_MAX_WORDS,
    header_key,
    is_page_marker,
    running_headers,
)

__all__ = ["BULLET_MARKS", "CleanedText", "Line", "clean_lines", "is_page_marker"]


class Line(NamedTuple):
    """One line of a briefing, tidied, with its 1-based number in the file for warnings."""

    number: int
    text: str


class CleanedText(NamedTuple):
    lines: list[Line]
    left_out: list[str]  # one warning per thing taken out, quoting it
    one_per_line: bool  # pasted from a web page: every line was a paragraph of its own
    top_header: str  # a running header that was also the first line: the title, if none other


def clean_lines(text: str) -> CleanedText:
    """Split text into tidied, numbered lines without page furniture or screen chrome.

    Blank lines are kept (as "") because they separate paragraphs.
    """
    raw_lines = text.splitlines(keepends=True)
    lines = _attach_lone_bullets(
        [Line(number, _tidy(raw)) for number, raw in enumerate(raw_lines, 1)]
    )
    # A line with no letter or digit (a rule "-----", a stray quote mark) counts as blank.
    lines = [
        line if any(c.isalnum() for c in line.text) else Line(line.number, "") for line in lines
    ]
    # Where pages end: after a form feed, a page number or a footer numbering its page.
    page_ends = [
        line.number
        for line, raw in zip(lines, raw_lines, strict=False)
        if raw.endswith("\f") or is_page_marker(line.text) or NUMBERED_PAGE.search(line.text)
    ]
    lines = [line for line in lines if not is_page_marker(line.text)]

    left_out: list[str] = []
    # Chrome first: a mail system's disclaimer after the sign-off would hide the sign-off.
    kept = []
    last = next((line for line in reversed(lines) if line.text), None)
    for line in lines:
        if line.text and (why := _chrome(line.text, last=line is last)):
            left_out.append(f"line {line.number}: left out {line.text!r} ({why})")
            continue
        kept.append(line)
    lines = _email_subject(kept, left_out)
    lines = _without_sign_off(_without_earlier_messages(lines, left_out), left_out)
    headers = running_headers(lines, page_ends)
    left_out += [f"dropped {header!r} as a running header or footer" for header in headers.values()]
    first_line = next((line.text for line in lines if line.text), "")
    lines, contents = _without_contents(
        [line for line in lines if header_key(line.text) not in headers]
    )
    if contents:
        entries = ", ".join(repr(entry) for entry in contents)
        left_out.append(f"left out a table of contents repeating the headings: {entries}")
    one_per_line = _one_paragraph_per_line(lines)
    # A running header that repeats the title takes the title's line too: say what it was.
    top_header = first_line if header_key(first_line) in headers else ""
    top_header = "" if NUMBERED_PAGE.search(top_header) else top_header
    lines = _separate_paragraphs(lines) if one_per_line else lines
    return CleanedText(lines, left_out, one_per_line, top_header)


# -- tidying ------------------------------------------------------------------------------------

# Invisible characters that only get in the way: soft hyphen, zero-width spaces and joiners, BOM.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")

# The bullets Word, PDF tools and people type: • ● ◦ ▪ ■ ‣ ⁃ ∙ · * – — - and Word's Symbol-font
# bullets (U+F0B7, U+F0A7); a character class, shared with campaigns/headings.py's BULLET.
BULLET_MARKS = "[•●◦▪■‣⁃∙·*–—\\-\uf0b7\uf0a7]"
# PDF extraction often puts a bullet on a line of its own and its text on the next line.
_LONE_BULLET = re.compile(rf"{BULLET_MARKS}|o")


def _tidy(raw: str) -> str:
    """One space between words: tabs, no-break and doubled spaces are extraction noise."""
    return " ".join(_INVISIBLE.sub("", raw).split())


def _attach_lone_bullets(lines: list[Line]) -> list[Line]:
    """Join a bullet on a line of its own to its text: "•" / "Title-body" -> "• Title-body"."""
    attached: list[Line] = []
    bullet = ""
    for line in lines:
        if _LONE_BULLET.fullmatch(line.text):
            bullet = line.text
        elif bullet and line.text:
            attached.append(Line(line.number, f"{bullet} {line.text}"))
            bullet = ""
        else:
            attached.append(line)
    return attached


# -- email and web chrome -----------------------------------------------------------------------

# The words of a button or link that a web page or email adds around its text. A line made only
# of these words, with at least one that names an action or a place on screen, is chrome:
# "View this email in your browser", "Skip to main content", "Back to top", "Share on LinkedIn",
# and a partnership site's "Quick exit" and "Toggle contrast" buttons.
_SCREEN_ACTIONS = frozenset({
    "click", "tap", "view", "viewing", "browser", "skip", "share", "tweet", "facebook", "twitter",
    "linkedin", "whatsapp", "instagram", "youtube", "print", "subscribe", "unsubscribe",
    "preferences", "friend", "top", "menu", "cookies", "contents", "navigation", "download",
    "online", "here", "copy", "link", "email", "read", "home", "search", "previous", "next",
    "exit", "toggle", "login", "sitemap",
})  # fmt: skip
_SCREEN_WORDS = _SCREEN_ACTIONS | frozenset({
    "this", "that", "in", "your", "to", "the", "a", "an", "of", "on", "via", "page", "version",
    "our", "us", "follow", "forward", "and", "or", "back", "more", "with", "x", "content", "main",
    "manage", "update", "full", "article", "newsletter", "web", "website", "it", "is", "having",
    "trouble", "for", "as", "pdf", "table", "go", "return", "links", "post", "story", "all",
    "quick", "contrast", "accessibility", "statement", "privacy", "notice", "policy", "terms",
    "conditions", "members", "area", "cookie", "settings", "site",
})  # fmt: skip
# Sentences about the mailing or the site itself, which email services, mail systems and web
# pages add around every message or page: subscription footers, "Copyright © 2026 …, All rights
# reserved", Outlook's "This email originated from outside of the organisation" banner and the
# confidentiality notice an organisation's mail server appends.
_MAILING = re.compile(
    "|".join([
        r"\b(un)?subscri(be|bed|ber|ption|ptions)\b",
        r"\bthis email was sent\b",
        r"\byou are receiving this (e-?mail|message)\b",
        r"\bour mailing address is\b",
        r"^(copyright\s*)?©",
        r"\ball rights reserved\b",
        r"\boriginated from outside (of )?(the|your|our) (organi[sz]ation|council|network)\b",
        r"\bintended (solely|only) for the (use of the )?(individual|addressee|recipient|person)",
        r"\bif you (have )?received this (e-?mail|message) in error\b",
    ]),
    re.I,
)  # fmt: skip
_CHROME = "an email's or web page's links and footer, not learning"
_CHROME_MAX_WORDS = 12
_MAILING_MAX_WORDS = 120  # a mail server's confidentiality notice runs to a long paragraph
# "You are here: Home > Learning > Reviews", "Home › Adults › SARs": where a page sits on its site.
# A slash or bar only with spaces round it: "Home/school liaison" is a heading.
_BREADCRUMB = re.compile(r"you are here:.*|home\s*[>›»]\s*\w.*|home\s+[/|]\s+\w.*", re.I)
# Pictures as copied text leaves them: Outlook's "[cid:image001.png@01DC…]", Gmail's "[image:
# Partnership logo]" (a Markdown image is written so too, campaigns/briefing_text.py), or a
# line of alt text naming a logo or a banner ("Northbrook Safeguarding Adults Board logo").
_PICTURE = re.compile(r"\[(?:cid|image):[^\]]*\]|(?:\S+\s+){0,10}(?:logo|logos|banner)", re.I)
_PICTURE_WHY = "a picture's name or description, not learning"
# A page footer or header of a one-page document: "Partnership | One minute guides |
# www.example.org", short parts between bars, one of them a web or email address.
_FOOTER_PART_WORDS = 6
_ADDRESS = re.compile(r"\S+@\S+\.\w|https?://|www\.", re.I)


def _chrome(text: str, *, last: bool) -> str:
    """Why a line is chrome (an email's or web page's links, notices, pictures, breadcrumb, a
    one-page document's footer as its last line), or "" when it is the author's text."""
    if _PICTURE.fullmatch(text):
        return _PICTURE_WHY
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    if not words:
        return ""
    if len(words) <= _CHROME_MAX_WORDS and set(words) <= _SCREEN_WORDS:
        return _CHROME if set(words) & _SCREEN_ACTIONS else ""
    if _BREADCRUMB.fullmatch(text) and len(words) <= _CHROME_MAX_WORDS * 2:
        return _CHROME
    if len(words) <= _MAILING_MAX_WORDS and _MAILING.search(text):
        return _CHROME
    parts = text.split(" | ")
    if (
        last
        and len(parts) >= 3
        and all(len(part.split()) <= _FOOTER_PART_WORDS for part in parts)
        and any(_ADDRESS.search(part) for part in parts)
    ):
        return "a page footer, not learning"
    return ""


# -- a table of contents ------------------------------------------------------------------------

_LEADER = re.compile(r"[\s.·…_]*\d{0,3}$")  # "Background ........ 3", "Background 3"
_LIST_MARK = re.compile(rf"^(?:{BULLET_MARKS}|o(?=\s)|\d{{1,2}}[.)])\s+")
_MIN_CONTENTS_ENTRIES = 2
_CONTENTS_HEADING_WORDS = 3  # "Contents", "In this issue", "On this page"


def _without_contents(lines: list[Line]) -> tuple[list[Line], list[str]]:
    """Drop a run of short lines before the text that each come again later as a line of their
    own: a table of contents, with its heading ("Contents", "On this page") if it has one. A
    heading is never dropped, only its earlier copy."""
    texts = [line.text for line in lines]
    later = Counter(texts)
    run: list[int] = []
    for index, text in enumerate(texts):
        if not text:
            continue
        # "Background ..... 3", and an email's "In this issue" list: "• Safer sleep".
        entry = _LEADER.sub("", _LIST_MARK.sub("", text, count=1))
        later[text] -= 1
        if entry and len(entry.split()) <= RUNNING_HEADER_MAX_WORDS and later[entry] > 0:
            run.append(index)
        elif len(run) >= _MIN_CONTENTS_ENTRIES or len(text.split()) > RUNNING_HEADER_MAX_WORDS:
            break  # the contents are over, or the text has begun without any
        else:
            run = []
    if len(run) < _MIN_CONTENTS_ENTRIES:
        return lines, []
    before = next((i for i in range(run[0] - 1, -1, -1) if texts[i]), None)
    if before is not None and len(texts[before].split()) <= _CONTENTS_HEADING_WORDS:
        run.insert(0, before)
    drop = set(run)
    return [line for i, line in enumerate(lines) if i not in drop], [texts[i] for i in run]


# -- an email's header lines --------------------------------------------------------------------

_EMAIL_HEADER = re.compile(r"(from|sent|date|to|cc|bcc|subject|importance)\s*:\s*(.*)", re.I)


def _email_subject(lines: list[Line], left_out: list[str]) -> list[Line]:
    """An email pasted with its header lines ("From: …", "Sent: …", "Subject: …") at the top:
    the subject is the briefing's title, the other header lines are left out."""
    start = next((i for i, line in enumerate(lines) if line.text), 0)
    end = start
    while end < len(lines) and _EMAIL_HEADER.fullmatch(lines[end].text):
        end += 1
    headers = [_EMAIL_HEADER.fullmatch(line.text) for line in lines[start:end]]
    subject = next((h for h in headers if h and h[1].lower() == "subject" and h[2]), None)
    # A lone "Subject:" line counts: a message copied out of Outlook's reading pane has only it.
    if subject is None or (len(headers) < 2 and lines[start].text.lower().startswith("from")):
        return lines
    others = ", ".join(repr(h[0]) for h in headers if h is not subject)
    left_out.append(
        "took the title from the email's Subject line" + (f"; left out {others}" if others else "")
    )
    title = Line(lines[start + headers.index(subject)].number, subject[2])
    return [*lines[:start], title, Line(title.number, ""), *lines[end:]]


# -- a reply's earlier messages -----------------------------------------------------------------

_QUOTED_HEADERS = 2  # "From:" then at least two of "Sent:", "To:", "Subject:"…
_ORIGINAL_MESSAGE = re.compile(r"-{2,}\s*original message\s*-{2,}|on .{6,80} wrote:", re.I)


def _without_earlier_messages(lines: list[Line], left_out: list[str]) -> list[Line]:
    """A reply or forward pasted whole: below the message, the one it answered, opened by its own
    "From: … / Sent: … / To: …" block (Outlook), "-----Original Message-----" or "On … wrote:"
    (Gmail). That is an earlier email, not the briefing: left out to the end, quoted."""
    texts = [(i, line.text) for i, line in enumerate(lines) if line.text]
    for position, (index, text) in enumerate(texts):
        if position == 0:
            continue  # the header block at the top is this message's own (_email_subject)
        following = [t for _, t in texts[position + 1 : position + 1 + _QUOTED_HEADERS]]
        outlook = text.lower().startswith("from:") and all(
            _EMAIL_HEADER.fullmatch(t) for t in following
        )
        if outlook or _ORIGINAL_MESSAGE.fullmatch(text):
            quoted = " / ".join(t for _, t in texts[position:])
            left_out.append(
                f"line {lines[index].number}: left out the earlier message quoted below the "
                f"reply: {quoted!r}"
            )
            return lines[:index]
    return lines


# -- a letter's sign-off ------------------------------------------------------------------------

_SIGN_OFF_WORDS = 4  # "Kind regards,", "With best wishes,"
_SIGNATURE_LINES = 4  # a name, a job title, a team, a telephone number
# Closings people type without the comma; any short line ending in a comma counts as well.
_CLOSINGS = frozenset({
    "kind regards", "best regards", "regards", "best wishes", "many thanks", "thanks",
    "with thanks", "thank you", "warm regards", "yours sincerely", "yours faithfully",
})  # fmt: skip


def _without_sign_off(lines: list[Line], left_out: list[str]) -> list[Line]:
    """An email's or letter's ending ("Kind regards," and a few short lines of name and job
    title, to the end of the text) is a signature, not learning: left out, quoted."""
    texts = [(i, line.text) for i, line in enumerate(lines) if line.text]
    for position, (index, text) in enumerate(texts):
        after = texts[position + 1 :]
        if (
            (text.endswith(",") or text.lower() in _CLOSINGS)
            and len(text.split()) <= _SIGN_OFF_WORDS
            and 0 < len(after) <= _SIGNATURE_LINES
            and all(len(t.split()) <= _SIGN_OFF_WORDS + 2 for _, t in after)
        ):
            signed = " / ".join(t for _, t in texts[position:])
            left_out.append(f"line {lines[index].number}: left out the sign-off {signed!r}")
            return lines[:index]
    return lines


# -- one paragraph per line ---------------------------------------------------------------------

_UNWRAPPED_CHARS = 110  # longer than any hard-wrapped line (PDF, email, Notepad wrap at 60-90)
_SENTENCE_END = (".", "!", "?", ":", "”", '"', ")", "’")


def _one_paragraph_per_line(lines: list[Line]) -> bool:
    """Whether each line is a paragraph, as in text copied from a web page: most long lines are
    longer than any hard-wrapped line, or no line is blank and most long lines end a sentence."""
    texts = [line.text for line in lines if line.text]
    long_lines = [text for text in texts if len(text.split()) >= 8]
    if len(texts) < 4 or not long_lines:
        return False
    if sum(len(text) > _UNWRAPPED_CHARS for text in long_lines) * 2 >= len(long_lines):
        return True
    inner = lines[next(i for i, line in enumerate(lines) if line.text) :]
    no_blank_lines = all(line.text for line in inner[: len(inner) - _trailing_blanks(inner)])
    ends_sentence = sum(text.endswith(_SENTENCE_END) for text in long_lines)
    return no_blank_lines and ends_sentence * 3 >= len(long_lines) * 2


def _trailing_blanks(lines: list[Line]) -> int:
    count = 0
    for line in reversed(lines):
        if line.text:
            break
        count += 1
    return count


_CONTINUATION = re.compile(r"(?!o\s)[a-z]")  # a lower-case word, but not Word's "o " bullet


def _separate_paragraphs(lines: list[Line]) -> list[Line]:
    """A blank line after each line, except before a lower-case start: that is a wrapped line."""
    separated: list[Line] = []
    for line, following in zip(lines, [*lines[1:], None], strict=True):
        separated.append(line)
        continues = following is not None and bool(_CONTINUATION.match(following.text))
        if line.text and following is not None and following.text and not continues:
            separated.append(Line(line.number, ""))
    return separated
