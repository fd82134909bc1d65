"""The seed briefing shipped as the example, and what reading it must give: shared by the tests."""

from pathlib import Path

EXAMPLE = Path(__file__).parents[1] / "examples" / "national-panel-2020"
SEED = EXAMPLE / "briefing.txt"

SEED_THEMES = [
    "Optimistic thinking",
    "Information sharing, risk assessment and decision making",
    "Children returned home post court proceedings",
    "Adults with a history of offending",
    "Domestic Abuse",
    "Adolescents, Mental Health and Suicide",
    "Including Men",
    "Health Plans for Children",
    "Children educated at home",
    "Written agreements",
    "Resolving professional disputes",
]
