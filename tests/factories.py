"""factory_boy factories for synthetic records (the seed fixtures serve the contract tests).

A synthetic record stands for one already in the public record, as the seed's are: it is made
``published`` (tests of the workflow make drafts through the services or the API)."""

import factory

from tracker.models import Actor, Claim, Event, EventActor, Source, Tag


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    state = "published"
    slug = factory.Sequence(lambda n: f"actor-{n}")
    name = factory.Sequence(lambda n: f"Actor Number {n}")
    kind = "person"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    state = "published"
    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source document {n}")
    publisher = factory.SubFactory(ActorFactory, kind="media")
    published = "2021-03-04"
    text = 'The envoy said: "Trade is at its lows." Later he added: "Things will improve."'


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"tag-{n}")
    name = factory.LazyAttribute(lambda tag: tag.slug)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    state = "published"
    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Synthetic event {n}")
    date = "2021-03-01"

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        for slug in extracted or []:
            self.tags.add(TagFactory(slug=slug))

    @factory.post_generation
    def actors(self, create, extracted, **kwargs):
        for actor in extracted or []:
            EventActor.objects.create(event=self, actor=actor)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim
        skip_postgeneration_save = True

    state = "published"
    slug = factory.Sequence(lambda n: f"claim-{n}")
    text = "Trade is low."
    quote = "Trade is at its lows."
    claimant = factory.SubFactory(ActorFactory)
    source = factory.SubFactory(SourceFactory)
    stated = "2021-03-04"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        claim = model_class(*args, **kwargs)
        claim.full_clean()  # derives the quote offsets, as every write path does
        claim.save()
        return claim

    @factory.post_generation
    def events(self, create, extracted, **kwargs):
        if extracted:
            self.events.set(extracted)
