"""generate_data: a realistic synthetic record at any size, for benchmarks and load tests.

    python manage.py generate_data --events 100000 --claims-per-event 10 --seed 1

makes actors, sources with text, events spread over 1950-2024 at mixed precisions (days,
months, years, approximate dates, short intervals) with participants, tags and claims, and
claims whose quotes stand in their source's text, some related to each other. The same seed
gives the same records. Rows go in through bulk inserts, a batch of events (with everything
that hangs off them) at a time; the date bounds and quote offsets are derived by
``tracker.dates`` and ``tracker.quotes`` as on every other write path, so each record would pass
``full_clean()`` (the tests check it on a small run). Slugs start with ``syn<seed>-``.

This is the one write that bypasses ``tracker.services`` (and so ``tracker.history``): a million
claims through ``full_clean`` and one history entry each would take hours, and synthetic rows
have no curator whose changes need an audit trail. So a generated record has no history until
its first real write (the API, the admin), which records it as it then stands.
"""

from __future__ import annotations

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from tracker import quotes
from tracker.models import (
    Actor,
    ActorKind,
    Claim,
    ClaimKind,
    ClaimRelation,
    ClaimStatus,
    Event,
    EventActor,
    RelationType,
    ReviewState,
    Source,
    Tag,
)

FIRST_DAY, LAST_DAY = datetime.date(1950, 1, 1), datetime.date(2024, 12, 31)
DAYS = (LAST_DAY - FIRST_DAY).days + 1

GIVEN = [
    "Anna",
    "Boris",
    "Chen",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hyun",
    "Ivan",
    "Jae",
    "Kim",
    "Lena",
    "Min",
    "Nadia",
    "Oleg",
    "Park",
]
FAMILY = [
    "Andreev",
    "Baek",
    "Choi",
    "Dorn",
    "Egorov",
    "Fischer",
    "Gromov",
    "Han",
    "Ivanova",
    "Jung",
    "Kovac",
    "Lee",
    "Moon",
    "Novak",
]
STATES = [
    "Arvania",
    "Belmora",
    "Corvia",
    "Dravonia",
    "Estmark",
    "Fennland",
    "Galdor",
    "Heskia",
    "Istria",
    "Jorvia",
]
PLACES = [
    "Vladivostok", "Pyongyang", "Moscow", "Seoul", "Beijing", "Geneva", "Khabarovsk",
    "Rason", "Tumen River", "New York", "Vienna", "Ulaanbaatar", "Hanoi", "Singapore",
]  # fmt: skip
TOPICS = [
    "trade talks", "summit", "border crossing", "sanctions review", "railway project",
    "port agreement", "labour migration", "energy deal", "military exercise",
    "humanitarian aid", "fisheries accord", "embassy reopening", "missile test",
    "grain shipment", "tourism route", "bank settlement",
]  # fmt: skip
VERBS = ["opens", "resumes", "stalls", "concludes", "is announced", "is postponed", "expands"]
TAGS = [
    "diplomacy", "trade", "sanctions", "security", "energy", "transport", "labour", "finance",
    "health", "tourism", "military", "aid", "fisheries", "culture", "media", "summit",
]  # fmt: skip
ROLES = ["participant", "participant", "participant", "host", "target", "mediator"]
SUBJECTS = ["The delegation", "The ministry", "Officials", "The envoy", "Observers", "Analysts"]
PREDICATES = [
    "described the talks as constructive", "said trade would double within two years",
    "denied that any agreement had been signed", "called the sanctions counterproductive",
    "promised to reopen the border crossing", "reported a sharp fall in shipments",
    "warned against outside interference", "praised the new railway link",
    "confirmed that workers had been sent home", "said the meeting lasted three hours",
    "expected a decision by the end of the year", "rejected the report as fabricated",
]  # fmt: skip
STATUSES = [
    (ClaimStatus.UNVERIFIED, 60), (ClaimStatus.CORROBORATED, 25),
    (ClaimStatus.DISPUTED, 10), (ClaimStatus.REFUTED, 5),
]  # fmt: skip


class Command(BaseCommand):
    help = "Generate a synthetic record (actors, sources, events, claims) with bulk inserts."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=1000)
        parser.add_argument("--claims-per-event", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--batch-size", type=int, default=2000, help="Events inserted per batch."
        )

    def handle(self, *, events, claims_per_event, seed, batch_size, verbosity, **options):
        if events < 1 or claims_per_event < 0 or batch_size < 1:
            raise CommandError(
                "--events and --batch-size must be positive, --claims-per-event >= 0."
            )
        prefix = f"syn{seed}-"
        if Actor.objects.filter(slug__startswith=prefix).exists():
            raise CommandError(
                f"Records with the prefix '{prefix}' exist already: use another --seed."
            )
        started = time.monotonic()
        generator = Generator(prefix=prefix, seed=seed, now=timezone.now())
        with transaction.atomic():
            generator.make_reference(events=events, claims=events * claims_per_event)
            for first in range(0, events, batch_size):
                generator.make_events(first, min(batch_size, events - first), claims_per_event)
                if verbosity >= 2:
                    self.stdout.write(f"  {first + batch_size} events")
        with connection.cursor() as cursor:  # fresh planner statistics for the new volume
            cursor.execute("ANALYZE")
        if verbosity:
            self.stdout.write(
                f"Generated {generator.counts['actors']} actors, {generator.counts['sources']} "
                f"sources, {events} events, {generator.counts['claims']} claims, "
                f"{generator.counts['relations']} relations in {time.monotonic() - started:.0f} s."
            )


class Generator:
    """Draws every value from one seeded random stream, so a seed gives the same record."""

    def __init__(self, *, prefix: str, seed: int, now: datetime.datetime):
        self.prefix, self.now = prefix, now
        self.random = random.Random(seed)
        self.counts = {"actors": 0, "sources": 0, "claims": 0, "relations": 0}

    def _stamp(self, obj):
        obj.created = obj.updated = self.now
        obj.state = ReviewState.PUBLISHED  # a synthetic record stands for a public one
        return obj

    def make_reference(self, *, events: int, claims: int) -> None:
        """Actors, sources (with the sentences their claims will quote) and tags."""
        pick = self.random.choice
        actors = [
            Actor(slug=f"{self.prefix}state-{n}", name=f"{name} {n}", kind=ActorKind.STATE)
            for n, name in enumerate(STATES * 2)
        ]
        media = [
            Actor(slug=f"{self.prefix}media-{n}", name=f"{pick(PLACES)} Herald {n}", kind="media")
            for n in range(max(5, events // 2000))
        ]
        people = [
            Actor(
                slug=f"{self.prefix}person-{n}",
                name=f"{pick(GIVEN)} {pick(FAMILY)} {n}",
                kind=ActorKind.PERSON,
                title=f"{pick(['Ambassador', 'Minister', 'Spokesperson', 'Analyst'])} of "
                f"{pick(STATES)}",
                aliases=[f"{pick(FAMILY)} {n}"] if self.random.random() < 0.2 else [],
            )
            for n in range(max(20, events // 50))
        ]
        self.actors = Actor.objects.bulk_create(
            [self._stamp(actor) for actor in actors + media + people]
        )
        self.media = self.actors[len(actors) : len(actors) + len(media)]
        self.counts["actors"] = len(self.actors)

        sources, self.sentences = [], []
        for n in range(max(5, claims // 50)):
            sentences = [
                f"{pick(SUBJECTS)} in {pick(PLACES)} {pick(PREDICATES)} on day {n}.{k}."
                for k in range(12)
            ]
            # Typographic quotes and uneven spacing, as captured documents have them.
            text = "  ".join(
                f"\u201c{sentence}\u201d" if k % 4 == 0 else sentence
                for k, sentence in enumerate(sentences)
            )
            day = FIRST_DAY + datetime.timedelta(days=self.random.randrange(DAYS))
            sources.append(
                Source(
                    slug=f"{self.prefix}source-{n}",
                    title=f"Report {n}: {pick(TOPICS)} in {pick(PLACES)}",
                    publisher=pick(self.media),
                    author=f"{pick(GIVEN)} {pick(FAMILY)}",
                    url=f"https://news.example.org/{self.prefix}{n}",
                    published=day.isoformat(),
                    text=text,
                )
            )
            self.sentences.append(sentences)
        self.sources = Source.objects.bulk_create([self._stamp(s) for s in sources])
        self.counts["sources"] = len(self.sources)
        self.tags = [
            Tag.objects.get_or_create(slug=slug, defaults={"name": slug})[0] for slug in TAGS
        ]

    def _date(self) -> str:
        """An EDTF value: mostly days, then months, years, approximate dates, short intervals."""
        day = FIRST_DAY + datetime.timedelta(days=self.random.randrange(DAYS))
        roll = self.random.random()
        if roll < 0.72:
            return day.isoformat()
        if roll < 0.87:
            return f"{day:%Y-%m}"
        if roll < 0.93:
            return f"{day:%Y}"
        if roll < 0.97:
            return f"{day.isoformat()}~" if roll < 0.95 else f"{day:%Y-%m}?"
        last = min(day + datetime.timedelta(days=self.random.randrange(1, 180)), LAST_DAY)
        return f"{day:%Y-%m}/{last:%Y-%m}"

    def make_events(self, first: int, count: int, claims_per_event: int) -> None:
        pick, rand = self.random.choice, self.random.random
        events = []
        for n in range(first, first + count):
            topic, place = pick(TOPICS), pick(PLACES)
            events.append(
                self._stamp(
                    Event(
                        slug=f"{self.prefix}event-{n}",
                        title=f"{topic.capitalize()} {pick(VERBS)} in {place}",
                        summary=f"{pick(SUBJECTS)} {pick(PREDICATES)}; the {topic} in {place} "
                        f"involved {pick(STATES)} and {pick(STATES)}.",
                        date=self._date(),
                        location=place,
                    )
                )
            )
        events = Event.objects.bulk_create(events)

        participations, tags = [], []
        claims: list[Claim] = []
        claim_events, claim_event = [], []
        for event in events:
            for actor in self.random.sample(self.actors, self.random.randint(1, 3)):
                participations.append(EventActor(event=event, actor=actor, role=pick(ROLES)))
            for tag in self.random.sample(self.tags, self.random.randint(0, 2)):
                tags.append(Event.tags.through(event_id=event.pk, tag_id=tag.pk))
            for _ in range(claims_per_event):
                index = self.random.randrange(len(self.sources))
                source, sentences = self.sources[index], self.sentences[index]
                sentence = pick(sentences)
                quote = "" if rand() < 0.15 else sentence
                stated = event.date_start + datetime.timedelta(days=self.random.randrange(90))
                n = self.counts["claims"] + len(claims)
                claims.append(
                    self._stamp(
                        Claim(
                            slug=f"{self.prefix}claim-{n}",
                            # One claim in four is a source's own report, the rest statements.
                            kind=ClaimKind.REPORT if n % 4 == 0 else ClaimKind.STATEMENT,
                            text=f"According to {source.title}: {sentence}",
                            quote=quote,
                            claimant=pick(self.actors),
                            source=source,
                            stated=stated.isoformat() if rand() < 0.9 else f"{stated:%Y-%m}",
                            status=self.random.choices(
                                [s for s, _ in STATUSES], [w for _, w in STATUSES]
                            )[0],
                        )
                    )
                )
                claim_event.append(event)

        locators: dict[int, quotes.Locator] = {}
        for claim in claims:
            if claim.quote:
                locator = locators.get(claim.source_id)
                if locator is None:
                    locator = locators[claim.source_id] = quotes.Locator(claim.source.text)
                match = locator.locate(claim.quote)
                assert match is not None  # every generated quote is cut from its source's text
                claim.quote_start, claim.quote_end = match.start, match.end

        EventActor.objects.bulk_create(participations)
        Event.tags.through.objects.bulk_create(tags)
        claims = Claim.objects.bulk_create(claims)
        relations = []
        for position, (claim, event) in enumerate(zip(claims, claim_event, strict=True)):
            claim_events.append(Claim.events.through(claim_id=claim.pk, event_id=event.pk))
            if rand() < 0.1:  # some claims concern a second event of the batch
                other = pick(events)
                if other.pk != event.pk:
                    claim_events.append(Claim.events.through(claim_id=claim.pk, event_id=other.pk))
            if position and rand() < 0.03:
                relations.append(
                    ClaimRelation(
                        from_claim=claim,
                        to_claim=claims[position - 1],
                        type=pick([RelationType.SUPPORTS, RelationType.CONTRADICTS]),
                    )
                )
        Claim.events.through.objects.bulk_create(claim_events)
        ClaimRelation.objects.bulk_create(relations)
        self.counts["claims"] += len(claims)
        self.counts["relations"] += len(relations)
