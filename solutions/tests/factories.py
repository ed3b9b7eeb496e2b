import factory

from solutions.models import Solution


class SolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Solution

    name = factory.Sequence(lambda n: f"Testløsning {n}")
    slug = factory.Sequence(lambda n: f"testlosning-{n}")
    kind = "service"
    lifecycle = "production"
