"""Candidate claims found in a source's text by rule: direct quotations and reported speech.

One home for the rule that proposes claims to a curator (the annotate page, ``suggest_claims``).
Nothing here writes: a suggestion is a span of the text (``text[start:end]`` is its quote) with
the claimant the rules guess from the record's actors. It is fast and offline on purpose: two
passes of regular expressions over the text, no model.

- **Direct quotations**: text between double quotation marks (typographic or straight, paired
  in order within a paragraph) of at least four words.
- **Reported speech**: a sentence outside quotation marks with a said-verb (said, told,
  stressed, added, according to, ...): the reported clause (what follows "said that", what
  precedes ", X said", what follows "According to X,"), else the sentence.
- **Claimant**: the actor named in the attribution (the rest of the sentence, or the text
  between a quotation and the next one), by name, alias or surname; "he", "the ambassador",
  "the diplomat" resolve to the nearest preceding person (whose title fits the role noun);
  with no attribution, the speaker of the quotation before it in the paragraph.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

DOUBLE_MARKS = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
                              "\u00ab": '"', "\u00bb": '"', "\u2033": '"'})  # fmt: skip
MIN_QUOTATION_WORDS = 6
MIN_CLAUSE_WORDS = 5

SAID_VERBS = (
    r"said|says|say|told|tells|stressed|stresses|added|adds|noted|notes|pointed out|"
    r"went on to say|concluded|stated|states|explained|insisted|warned|announced|claimed|"
    r"argued|denounced|slammed|hailed|suggested|believes|believed|expressed hope|"
    r"rejected|urged|emphasized|emphasised|underlined|recalled|acknowledged|admitted|"
    r"remarked|commented|declared|asserted|reported"
)
_SAID = re.compile(rf"\b(?:{SAID_VERBS})\b")
_ACCORDING = re.compile(r"\b[Aa]ccording to\b")
_THAT = re.compile(r"\bthat\s")
_PRONOUN = re.compile(r"\b(?:he|she|him|He|She|Him)\b")
ROLE_NOUNS = {
    "ambassador": ("ambassador", "envoy"),
    "envoy": ("ambassador", "envoy", "minister", "diplomat"),
    "diplomat": ("ambassador", "envoy", "minister", "diplomat"),
    "minister": ("minister",),
    "president": ("president",),
    "leader": ("leader",),
    "director": ("director",),
    "spokesman": ("spokes",),
    "spokeswoman": ("spokes",),
}
_ROLE = re.compile(
    r"(?:\b[Tt]he|\b[A-Z]\w+['\u2019]s) (?:[A-Z][\w'-]* |[a-z]+ ){0,2}("
    + "|".join(ROLE_NOUNS)
    + r")\b"
)
# A sentence ends at . ! or ? before a capital or an opening quotation mark, except after an
# initial or a short abbreviation ("U.S. ambassador", "Mr. Lee", "Feb. 3").
_PARAGRAPH = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(
    r"[.!?](?<!\b[A-Z]\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bNo\.)"
    r"(?=[\"\u201d\u2019)]?\s+[A-Z\"\u201c\u2018(])"
)


@dataclass(frozen=True)
class Speaker:
    """What the rules know of an actor: its id, names and, for a person, its title."""

    id: int
    name: str
    kind: str = "person"
    title: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class Suggestion:
    start: int
    end: int
    quote: str
    rule: str  # "quotation" or "reported"
    claimant: Speaker | None = None
    cue: str = ""  # the words the claimant was guessed from
    score: float = 0.0

    def overlaps(self, start: int, end: int) -> bool:
        return same_passage((self.start, self.end), (start, end))

    def as_json(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "rule": self.rule,
            "claimant": None
            if self.claimant is None
            else {"id": self.claimant.id, "name": self.claimant.name},
            "cue": self.cue,
        }


def same_passage(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two spans are the same passage when they overlap by most (over half) of each length."""
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return overlap > 0 and overlap * 2 > max(a[1] - a[0], b[1] - b[0])


@dataclass
class _Mention:
    start: int
    end: int
    speakers: tuple[Speaker, ...]
    full: bool  # a full name or alias (else a surname or a name's head words)
    resolved: Speaker | None = field(default=None)


class Cast:
    """The record's actors as surface forms to find in a text: names, aliases, surnames."""

    def __init__(self, speakers: Iterable[Speaker]):
        forms: dict[str, tuple[list[Speaker], bool]] = {}
        self.speakers = list(speakers)

        def add(form: str, speaker: Speaker, full: bool) -> None:
            form = form.strip()
            if len(form) < 3:
                return
            entry = forms.setdefault(form, ([], full))
            if speaker not in entry[0]:
                entry[0].append(speaker)
            if full and not entry[1]:
                forms[form] = (entry[0], True)

        for speaker in self.speakers:
            for name in (speaker.name, *speaker.aliases):
                name = re.sub(r"\s*\(.*?\)", "", name)  # "U.S. officials (unnamed)"
                add(name, speaker, True)
                words = name.split()
                if speaker.kind == "person" and len(words) > 1:
                    add(words[-1], speaker, False)  # "Matsegora said"
                elif len(words) > 2:
                    add(" ".join(words[-2:]), speaker, False)  # "the Foreign Ministry"
            if speaker.title and speaker.kind == "person":
                add(speaker.title, speaker, True)
        self.forms = forms
        ordered = sorted(forms, key=len, reverse=True)
        self.pattern = (
            re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")
            if ordered
            else None
        )

    def mentions(self, text: str) -> list[_Mention]:
        """Every mention in ``text``, in order, partial names resolved to the nearest preceding
        full mention they fit (else to the one actor they fit, if only one)."""
        found: list[_Mention] = []
        if self.pattern is not None:
            for match in self.pattern.finditer(text):
                speakers, full = self.forms[match.group()]
                found.append(_Mention(match.start(), match.end(), tuple(speakers), full))
        for match in _PRONOUN.finditer(text):
            found.append(_Mention(match.start(), match.end(), (), False))
        for match in _ROLE.finditer(text):
            found.append(_Mention(match.start(), match.end(), (), False))
        found.sort(key=lambda mention: mention.start)
        people: list[Speaker] = []  # persons mentioned so far, most recent last
        named: dict[int, int] = {}  # actor id: where last named (for "the Foreign Ministry")
        for mention in found:
            word = text[mention.start : mention.end]
            if not mention.speakers:
                mention.resolved = self._resolve_reference(word, people)
            elif mention.full and len(mention.speakers) == 1:
                mention.resolved = mention.speakers[0]
            else:
                seen = [speaker for speaker in mention.speakers if speaker.id in named]
                if seen:
                    mention.resolved = max(seen, key=lambda speaker: named[speaker.id])
                elif len(mention.speakers) == 1:
                    mention.resolved = mention.speakers[0]
            if mention.resolved is not None:
                named[mention.resolved.id] = mention.start
                if mention.resolved.kind == "person":
                    people.append(mention.resolved)
        return found

    @staticmethod
    def _resolve_reference(word: str, people: Sequence[Speaker]) -> Speaker | None:
        role = _ROLE.fullmatch(word)
        if role is None:  # a pronoun: the nearest preceding person
            return people[-1] if people else None
        fits = ROLE_NOUNS[role.group(1).lower()]
        # "Russia's envoy": a title that names the country too ("Russian Ambassador to ...").
        owner = re.match(r"([A-Z]\w+)['\u2019]s ", word)
        stem = owner.group(1)[:5].lower() if owner else ""
        for speaker in reversed(people[-50:]):  # the persons of the last few paragraphs
            title = speaker.title.lower()
            if stem in title and any(noun in title for noun in fits):
                return speaker
        return None


def quotations(text: str) -> list[tuple[int, int]]:
    """The spans inside double quotation marks, within each paragraph.

    Typographic marks say which way they face; a straight one opens when it follows a space
    (or starts the paragraph) and closes otherwise. An opening mark that is never closed (a
    typo in the document) ends at the next opening one.
    """
    spans = []
    for paragraph in re.finditer(r"[^\n]+", text):
        opened = None
        for mark in re.finditer(
            r'["\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033]', paragraph.group()
        ):
            position = paragraph.start() + mark.start()
            char = mark.group()
            if char in "\u201c\u201e\u00ab":
                opening = True
            elif char in "\u201d\u00bb\u2033\u201f":
                opening = False
            else:
                before = text[position - 1] if position > paragraph.start() else " "
                opening = before.isspace() or before in "([\u2014-"
            if opening:
                if opened is not None:
                    spans.append((opened + 1, position))
                opened = position
            elif opened is not None:
                spans.append((opened + 1, position))
                opened = None
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Whitespace, leading connectives and trailing commas off a span's ends."""
    while start < end and (text[start].isspace() or text[start] in ",;:-\u2013\u2014"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:\u2013\u2014"):
        end -= 1
    return start, end


def _words(text: str) -> int:
    return len(text.split())


def _sentences(
    text: str, quoted: list[tuple[int, int]], start: int = 0, end: int | None = None
) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` (never cut inside a quotation), by paragraph."""
    end = len(text) if end is None else end
    spans = []
    for paragraph in _PARAGRAPH.finditer(text, start, end):
        begin = paragraph.start()
        for match in _SENTENCE_END.finditer(text, paragraph.start(), paragraph.end()):
            cut = match.end()
            if _within(quoted, cut - 1):
                continue
            # past a closing quotation mark that ends the sentence
            while cut < paragraph.end() and text[cut] in '"\u201d\u2019)':
                cut += 1
            spans.append((begin, cut))
            begin = cut
        if paragraph.end() > begin:
            spans.append((begin, paragraph.end()))
    return [(a, b) for a, b in (_trim(text, a, b) for a, b in spans) if a < b]


def _within(spans: list[tuple[int, int]], position: int) -> bool:
    """Whether ``position`` is inside one of ``spans`` (sorted, not overlapping)."""
    index = bisect.bisect_right(spans, (position, len(spans) and 1 << 62)) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def _unquoted(text: str, start: int, end: int, quoted: list[tuple[int, int]]) -> str:
    """``text[start:end]`` with quoted passages blanked (same length: offsets hold)."""
    chars = list(text[start:end])
    first = max(bisect.bisect_left(quoted, (start, 0)) - 1, 0)
    for q_start, q_end in quoted[first:]:
        if q_start >= end:
            break
        for index in range(max(q_start, start), min(q_end, end)):
            chars[index - start] = " "
    return "".join(chars)


def _reported_clauses(text: str, start: int, end: int, plain: str) -> list[tuple[int, int, int]]:
    """(start, end, verb position) of the reported clause(s) of one sentence, or none."""
    verbs = [m.start() for m in _SAID.finditer(plain)]
    according = _ACCORDING.search(plain)
    if not verbs and according is None:
        return []
    if according is not None and not verbs:
        if according.start() <= 2:  # "According to X, Y": Y
            comma = plain.find(",", according.end())
            if comma > 0:
                return _split(text, start + comma + 1, end, start + according.start())
            return [(start, end, start + according.start())]
        # "Y, according to X."
        return [(start, start + according.start(), start + according.start())]
    verb = verbs[0]
    words_after = _words(plain[verb:]) - 1
    comma = plain.rfind(",", 0, verb)
    that_follows = re.match(r"\S+(?: \S+)?? that\s", plain[verb:]) is not None
    next_comma = plain.find(",", verb)
    named_after = _words(plain[verb : next_comma if next_comma > 0 else len(plain)]) <= 4
    if comma > 0 and not that_follows and (words_after <= 6 or named_after):
        # "Y, X said." / "Y, said X." / "Y, says X, director of ..."
        return [(start, start + comma, start + verb)]
    that = _THAT.search(plain, verb)
    if that is not None and that.start() - verb < 90:  # "X said (on Tuesday) that Y"
        body = verb + (that.end() - verb)
    else:  # "X slammed Y", "Kyiv said Y"
        said = _SAID.match(plain, verb)
        assert said is not None  # verb is where _SAID matched
        body = plain.find(" ", verb + len(said.group())) + 1
    if comma < 0 and _words(plain[:verb]) <= 12:
        body = 0  # "Matsegora pointed out that Y": the sentence is the claim
    # A trailing attribution (", said Kortunov") is not part of the claim.
    tail = [m for m in _SAID.finditer(plain, body) if m.start() > body]
    clause_end = end
    if tail:
        last_comma = plain.rfind(",", body, tail[-1].start())
        if last_comma > 0 and _words(plain[tail[-1].start() :]) <= 4:
            clause_end = start + last_comma
    return _split(text, start + body, clause_end, start + verb)


def _split(text: str, cursor: int, end: int, verb: int) -> list[tuple[int, int, int]]:
    """A reported clause cut where it reports two things: "... that Y, and that Z", "Y and
    expressed hope for Z", "Y, while also Z", '..."wide prospects," with the North keen ...'."""
    clauses = []
    for split in re.finditer(
        rf"(?:,\s*|\s)and (?=that\s|(?:{SAID_VERBS})\b)|,\s*while (?:also )?"
        r"|(?<=,[\"\u201d])\s+(?=with\s)",
        text[cursor:end],
    ):
        clauses.append((cursor, cursor + split.start(), verb))
        cursor = cursor + split.end()
        if text.startswith("that ", cursor):
            cursor += 5
    clauses.append((cursor, end, verb))
    return clauses


def suggest(
    text: str,
    speakers: Iterable[Speaker],
    *,
    claimed: Iterable[tuple[int, int]] = (),
    rejected: Iterable[tuple[int, int]] = (),
    fallback: Speaker | None = None,
) -> list[Suggestion]:
    """The candidate claims in ``text``, in text order, leaving out passages already
    ``claimed`` (the same passage: see :func:`same_passage`) and those ``rejected`` (exactly)."""
    cast = Cast(speakers)
    mentions = [mention for mention in cast.mentions(text) if mention.resolved]
    starts = [mention.start for mention in mentions]

    def between(a: int, b: int) -> list[_Mention]:
        return mentions[bisect.bisect_left(starts, a) : bisect.bisect_left(starts, b)]

    quoted = quotations(text)
    found: list[Suggestion] = []

    # Direct quotations, with the text around them up to the neighbouring quotations.
    previous_speaker: Speaker | None = None
    previous_paragraph = -1
    for index, (q_start, q_end) in enumerate(quoted):
        start, end = _trim(text, q_start, q_end)
        if _words(text[start:end]) < MIN_QUOTATION_WORDS:
            continue
        paragraph_start = text.rfind("\n", 0, q_start) + 1
        paragraph_end = text.find("\n", q_end)
        paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
        if paragraph_start != previous_paragraph:
            previous_speaker = None
        previous_paragraph = paragraph_start
        before, after = paragraph_start, paragraph_end
        if index and quoted[index - 1][1] > paragraph_start:
            before = quoted[index - 1][1] + 1
        if index + 1 < len(quoted) and quoted[index + 1][0] < paragraph_end:
            after = quoted[index + 1][0] - 1
        around = between(before, q_start - 1) + between(q_end + 1, after)
        # The attribution after the quotation (", he said") first, else the one before it.
        after_mentions = [mention for mention in around if mention.start > q_end]
        chosen = _first_speaker(after_mentions) or _first_speaker(around[::-1])
        speaker = chosen.resolved if chosen else previous_speaker
        cue = (
            text[chosen.start : chosen.end]
            if chosen
            else ("the quotation before" if speaker else "")
        )
        if speaker is None:
            speaker, cue = _nearest_person(between(start - 800, start))
        found.append(Suggestion(start, end, text[start:end], "quotation", speaker, cue))
        pieces = _sentences(text, [], start, end)
        if len(pieces) > 1:  # each sentence of a long quotation may be a claim of its own
            for p_start, p_end in pieces:
                if _words(text[p_start:p_end]) >= MIN_QUOTATION_WORDS:
                    quote = text[p_start:p_end]
                    found.append(Suggestion(p_start, p_end, quote, "quotation", speaker, cue))
        previous_speaker = speaker or previous_speaker

    # Reported speech, sentence by sentence, outside the quotations.
    # Only the quotations offered above stand in for a clause (a short one is part of it).
    trimmed = sorted((s.start, s.end) for s in found)
    for s_start, s_end in _sentences(text, quoted):
        plain = _unquoted(text, s_start, s_end, quoted)
        quoted_share = 1 - _words(plain) / max(_words(text[s_start:s_end]), 1)
        if quoted_share > 0.5:
            continue  # a quotation with its attribution: suggested as the quotation
        for c_start, c_end, verb in _reported_clauses(text, s_start, s_end, plain):
            c_start, c_end = _trim(text, c_start, c_end)
            if _words(text[c_start:c_end]) < MIN_CLAUSE_WORDS:
                continue
            nearby = trimmed[max(bisect.bisect_left(trimmed, (c_start, 0)) - 2, 0) :][:6]
            if any(same_passage((c_start, c_end), span) for span in nearby):
                continue
            trailing = c_end <= verb  # "Y, X said": the speaker is named after Y
            attribution = [
                mention for mention in between(s_start, s_end)
                if not (c_start <= mention.start < c_end and mention.start > verb)
            ]  # fmt: skip
            chosen = min(
                attribution,
                key=lambda m: (
                    _kind(m) == "state",
                    not trailing and m.start > verb,  # "X said that Y": X before the verb
                    abs(m.start - verb),
                ),
                default=None,
            )
            speaker = chosen.resolved if chosen else None
            cue = text[chosen.start : chosen.end] if chosen else ""
            if speaker is None:
                speaker, cue = _nearest_person(between(c_start - 800, c_start))
            found.append(Suggestion(c_start, c_end, text[c_start:c_end], "reported", speaker, cue))

    for suggestion in found:
        if suggestion.claimant is None and fallback is not None:
            suggestion.claimant, suggestion.cue = fallback, "the document's author or publisher"
    claimed, rejected = sorted(claimed), set(rejected)
    claimed_starts = [start for start, _ in claimed]
    longest = max((end - start for start, end in claimed), default=0)

    def is_claimed(suggestion: Suggestion) -> bool:
        # Only claims that start within reach can overlap it.
        low = bisect.bisect_left(claimed_starts, suggestion.start - longest)
        high = bisect.bisect_left(claimed_starts, suggestion.end)
        return any(suggestion.overlaps(a, b) for a, b in claimed[low:high])

    return [
        suggestion for suggestion in sorted(found, key=lambda s: (s.start, s.end))
        if (suggestion.start, suggestion.end) not in rejected and not is_claimed(suggestion)
    ]  # fmt: skip


def _nearest_person(mentions: list[_Mention]) -> tuple[Speaker | None, str]:
    """The person mentioned last among ``mentions`` (those of the text just before), if any."""
    for mention in reversed(mentions):
        if mention.resolved is not None and mention.resolved.kind == "person":
            return mention.resolved, "the person mentioned last"
    return None, ""


def _first_speaker(mentions: list[_Mention]) -> _Mention | None:
    """The first mention of a person, organisation or outlet, else of a state."""
    candidates = [m for m in mentions if _kind(m) != "state"] or mentions
    return candidates[0] if candidates else None


def _kind(mention: _Mention) -> str | None:
    return mention.resolved.kind if mention.resolved is not None else None


# --- Scoring against the record ----------------------------------------------------------------


@dataclass
class Score:
    suggestions: int
    claims: int
    matched_suggestions: int
    matched_claims: int
    claimant_right: int  # among the matched claims

    @property
    def precision(self) -> float:
        return self.matched_suggestions / self.suggestions if self.suggestions else 0.0

    @property
    def recall(self) -> float:
        return self.matched_claims / self.claims if self.claims else 0.0

    @property
    def claimant_accuracy(self) -> float:
        return self.claimant_right / self.matched_claims if self.matched_claims else 0.0


def score(suggestions: Sequence[Suggestion], claims: Sequence[tuple[int, int, int]]) -> Score:
    """Suggestions against the record's claims, each ``(start, end, claimant id)``: a claim is
    found when a suggestion is the same passage; its claimant is right when that suggestion
    (the best overlapping one) guessed the claim's claimant."""
    matched: set[int] = set()  # ids of the suggestions that overlap a claim
    right = found = 0
    for start, end, claimant in claims:
        hits = [s for s in suggestions if s.overlaps(start, end)]
        if not hits:
            continue
        found += 1
        matched.update(id(s) for s in hits)
        best = max(hits, key=lambda s: min(s.end, end) - max(s.start, start))
        right += best.claimant is not None and best.claimant.id == claimant
    return Score(len(suggestions), len(claims), len(matched), found, right)


# --- For a stored source -------------------------------------------------------------------------


def speakers() -> list[Speaker]:
    """The record's actors as the rules see them (one query)."""
    from tracker.models import Actor

    rows = Actor.objects.values_list("id", "name", "kind", "title", "aliases")
    return [
        Speaker(id=pk, name=name, kind=kind, title=title or "",
                aliases=tuple(alias for alias in aliases or () if isinstance(alias, str)))
        for pk, name, kind, title, aliases in rows
    ]  # fmt: skip


def for_source(source, *, leave_out: bool = True, claimed=None) -> list[Suggestion]:
    """The suggestions for a stored source; ``leave_out``: without the passages its claims
    already hold (``claimed`` spans when the caller has read them) and those a curator
    rejected."""
    from tracker.models import RejectedSuggestion

    cast = speakers()
    by_id = {speaker.id: speaker for speaker in cast}
    fallback = None
    if source.author:
        fallback = next((s for s in cast if s.name.lower() == source.author.lower()), None)
    if fallback is None and source.publisher_id:
        fallback = by_id.get(source.publisher_id)
    rejected: list[tuple[int, int]] = []
    if not leave_out:
        claimed = []
    elif claimed is None:
        claimed = list(
            source.claims.exclude(quote_start=None).values_list("quote_start", "quote_end")
        )
    if leave_out:
        rejected = list(
            RejectedSuggestion.objects.filter(source=source).values_list("start", "end")
        )
    return suggest(source.text, cast, claimed=claimed, rejected=rejected, fallback=fallback)
