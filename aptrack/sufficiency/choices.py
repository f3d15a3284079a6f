"""Enumerations of the sufficiency app: the vocabulary of sufficiency strategies."""

from django.db import models

from aptrack.codes import table

from .classify import NO_NEED
from .forecast import ALL_NEEDS


class Provision(models.TextChoices):
    """Placement types of a SEND and AP sufficiency strategy's placement mix (DOMAIN.md s7)."""

    MAINSTREAM = "mainstream", "Mainstream with support"
    RESOURCED = "resourced", "Resourced provision or SEN unit"
    SPECIAL = "special", "Special school"
    INDEPENDENT = "independent", "Independent or non-maintained special school"
    OUT_OF_AREA = "out_of_area", "Out-of-area placement"
    AP = "ap", "PRU or alternative provision"


class Phase(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"
    POST16 = "post16", "Post-16"


class UploadKind(models.TextChoices):
    HISTORY = "history", "Demand history (counts before AP Track)"
    POPULATION = "population", "Population projections"
    CAPACITY = "capacity", "Capacity register (places)"
    CHANGES = "changes", "Planned changes to places"


class ChangeKind(models.TextChoices):
    NEW_PLACES = "new_places", "New places"
    EXPANSION = "expansion", "Expansion"
    REDUCTION = "reduction", "Reduction"
    CLOSURE = "closure", "Closure"


#: SEN primary need codes (DfE school census) and NONE for learners in AP with none recorded.
NEED_CHOICES = [(row["code"], row["meaning"]) for row in table("sen_need_types")] + [
    (NO_NEED, "No recorded SEN need")]
NEED_LABELS = {**dict(NEED_CHOICES), ALL_NEEDS: "All needs", "": "Any need"}
