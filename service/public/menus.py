"""The news site's menus, defined once and language-independent.

Labels are gettext msgids (translated through the Babel catalogs in ``locales/``), except country
names, which come from CLDR via Babel so that no country name is ever typed in by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.support import Translations
from flask import current_app, has_app_context
from flask_babel import LazyString, force_locale, gettext, lazy_gettext

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SITE_NAME = "Eurasianet"  # a brand name: never translated


def _l(msgid: str) -> str:
    """Marks a msgid for extraction (``_l`` is a keyword in locales/babel.cfg); translated when resolved.

    Keeping the plain msgid (rather than a LazyString) lets all_menu_messages() list them without
    reaching into flask_babel internals; MenuItem.label gives the lazy_gettext form.
    """
    return msgid


@dataclass(frozen=True)
class MenuItem:
    """One menu entry: a gettext ``msgid`` or a CLDR ``territory`` code, never both."""

    key: str
    href: str
    msgid: str | None = None
    territory: str | None = None
    children: tuple[MenuItem, ...] = field(default_factory=tuple)
    kind: str = "link"  # link | mega | search | language

    def __post_init__(self) -> None:
        if (self.msgid is None) == (self.territory is None) and self.kind != "language":
            raise ValueError(f"menu item {self.key!r} needs exactly one of msgid/territory")

    @property
    def label(self) -> LazyString | None:
        return lazy_gettext(self.msgid) if self.msgid is not None else None

    def walk(self) -> Iterator[MenuItem]:
        yield self
        for child in self.children:
            yield from child.walk()


def _country(key: str, code: str) -> MenuItem:
    return MenuItem(key, f"/region/{key}", territory=code)


REGIONS = MenuItem(
    "regions",
    "/regions",
    _l("Regions"),
    kind="mega",
    children=(
        MenuItem(
            "caucasus",
            "/region/caucasus",
            _l("Caucasus"),
            children=(_country("armenia", "AM"), _country("azerbaijan", "AZ"), _country("georgia", "GE")),
        ),
        MenuItem(
            "central-asia",
            "/region/central-asia",
            _l("Central Asia"),
            children=(
                _country("kazakhstan", "KZ"),
                _country("kyrgyzstan", "KG"),
                _country("tajikistan", "TJ"),
                _country("turkmenistan", "TM"),
                _country("uzbekistan", "UZ"),
            ),
        ),
        MenuItem(
            "conflict-zones",
            "/region/conflict-zones",
            _l("Conflict Zones"),
            # Disputed territories have no ISO 3166 code, so CLDR cannot name them: they are gettext.
            children=(
                MenuItem("abkhazia", "/region/abkhazia", _l("Abkhazia")),
                MenuItem("nagorno-karabakh", "/region/nagorno-karabakh", _l("Nagorno Karabakh")),
                MenuItem("south-ossetia", "/region/south-ossetia", _l("South Ossetia")),
            ),
        ),
        MenuItem(
            "eastern-europe",
            "/region/eastern-europe",
            _l("Eastern Europe"),
            children=(
                _country("belarus", "BY"),
                _country("moldova", "MD"),
                _country("russia", "RU"),
                # NOTE: Estonia, Latvia and Lithuania as a region.
                MenuItem("baltics", "/region/baltics", _l("The Baltics")),
                _country("ukraine", "UA"),
            ),
        ),
        MenuItem(
            "eurasian-fringe",
            "/region/eurasian-fringe",
            # NOTE: Countries bordering Eurasia's post-Soviet space (menu group heading).
            _l("Eurasian Fringe"),
            children=(
                _country("afghanistan", "AF"),
                _country("china", "CN"),
                # NOTE: The European Union, abbreviated as the site's menu does (CLDR only has the long name).
                MenuItem("eu", "/region/eu", _l("EU")),
                _country("iran", "IR"),
                _country("mongolia", "MN"),
                _country("turkey", "TR"),
                _country("united-kingdom", "GB"),
                _country("united-states", "US"),
            ),
        ),
    ),
)

TOPICS = MenuItem(
    "topics",
    "/topics",
    _l("Topics"),
    kind="mega",
    children=(
        MenuItem("environment", "/topic/environment", _l("Environment")),
        MenuItem("economy", "/topic/economy", _l("Economy")),
        MenuItem(
            "politics",
            "/topic/politics",
            _l("Politics"),
            children=(
                MenuItem(
                    "kazakhstans-bloody-january-2022",
                    "/topic/kazakhstans-bloody-january-2022",
                    # NOTE: The deadly unrest in Kazakhstan in January 2022 (a topic page).
                    _l("Kazakhstan's Bloody January 2022"),
                ),
                MenuItem(
                    "kyrgyzstan-2020-unrest", "/topic/kyrgyzstan-2020-unrest", _l("Kyrgyzstan 2020 unrest")
                ),
            ),
        ),
        MenuItem("security", "/topic/security", _l("Security")),
        MenuItem(
            "society",
            "/topic/society",
            _l("Society"),
            children=(
                MenuItem(
                    "american-diplomats-central-asia",
                    "/topic/american-diplomats-central-asia",
                    _l("American diplomats in Central Asia"),
                ),
                MenuItem("arts-and-culture", "/topic/arts-and-culture", _l("Arts and Culture")),
                MenuItem("coronavirus", "/topic/coronavirus", _l("Coronavirus")),
                # NOTE: A series showcasing reporting by students.
                MenuItem("student-spotlight", "/topic/student-spotlight", _l("Student spotlight")),
            ),
        ),
    ),
)

MEDIA = MenuItem(
    "media",
    "/media",
    _l("Media"),
    kind="mega",
    children=(
        MenuItem("visual-stories", "/media/visual-stories", _l("Visual Stories")),
        MenuItem("podcast", "/media/podcast", _l("Podcast")),
        MenuItem("video", "/media/video", _l("Video")),
        MenuItem(
            "blogs",
            "/blogs",
            _l("Blogs"),
            children=(
                # NOTE: Name of a blog; usually kept as is.
                MenuItem("tamada-tales", "/blogs/tamada-tales", _l("Tamada Tales")),
                # NOTE: Name of a blog; usually kept as is.
                MenuItem("bug-pit", "/blogs/bug-pit", _l("The Bug Pit")),
            ),
        ),
        MenuItem(
            "podcasts",
            "/podcasts",
            _l("Podcasts"),
            children=(
                # NOTE: Name of a podcast; usually kept as is.
                MenuItem("eurasiachat", "/podcasts/eurasiachat", _l("EurasiaChat")),
                MenuItem("expert-opinions", "/podcasts/expert-opinions", _l("Expert Opinions")),
                # NOTE: Name of a podcast; usually kept as is.
                MenuItem("central-asianist", "/podcasts/central-asianist", _l("The Central Asianist")),
            ),
        ),
    ),
)

# NOTE: Help text under the site search box.
SEARCH_HINT = _l("You can search using keywords to narrow down the list.")

MAIN_MENU: tuple[MenuItem, ...] = (
    REGIONS,
    TOPICS,
    MEDIA,
    # NOTE: Main menu link to the page about the publication.
    MenuItem("about", "/about", _l("About")),
    # NOTE: Main menu entry that opens the search box; also the search button.
    MenuItem("search", "/search", _l("Search"), kind="search"),
    # NOTE: Main menu link to the e-mail newsletter sign-up.
    MenuItem("newsletter", "/newsletter", _l("Newsletter")),
    # The language switcher sits here; its entries come from the article's alternates.
    MenuItem("language", "", kind="language"),
    # NOTE: Donation button in the main menu.
    MenuItem("support", "/support", _l("Support us")),
)

FOOTER_MENU: tuple[MenuItem, ...] = (
    MenuItem("about", "/about", _l("About")),
    MenuItem("team", "/team", _l("Team")),
    # NOTE: Footer link to the page for freelance contributors (how to pitch).
    MenuItem("contribute", "/contribute", _l("Contribute")),
    # NOTE: Footer link to the rules for reprinting the site's articles.
    MenuItem("republishing", "/republishing", _l("Republishing")),
    MenuItem("privacy-policy", "/privacy-policy", _l("Privacy Policy")),
    MenuItem("corrections", "/corrections", _l("Corrections")),
    MenuItem("contact", "/contact", _l("Contact")),
)

# NOTE: Footer copyright line; %(site)s is the site name, %(year)s the current year.
COPYRIGHT = _l("%(site)s © %(year)s")

# Accessibility and control labels of the page chrome that belong to the menus.
CHROME: dict[str, str] = {
    # NOTE: Link for keyboard and screen-reader users, first thing on every page.
    "skip_link": _l("Skip to main content"),
    "main_menu": _l("Main menu"),
    "footer_menu": _l("Footer menu"),
    # NOTE: Accessible name of the list of the article's other languages.
    "language": _l("Language"),
    # NOTE: Accessible label of the search text field.
    "search_label": _l("Search keywords"),
}


def _translator(lang: str) -> Callable[..., str]:
    """gettext for ``lang``: Flask-Babel in an app (honours its catalog dirs), else compiled catalogs."""
    if has_app_context() and "babel" in current_app.extensions:
        return gettext
    translations = Translations.load(str(LOCALES_DIR), [lang.replace("-", "_")])

    def _gettext(msgid: str, **variables: Any) -> str:
        text = translations.gettext(msgid)
        return text % variables if variables else text

    return _gettext


def _territories(lang: str) -> Any:
    try:
        return Locale.parse(lang.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en").territories


def _resolve(item: MenuItem, gettext_: Callable[..., str], territories: Any) -> dict[str, Any]:
    if item.territory is not None:
        label = territories.get(item.territory, item.territory)
    elif item.msgid is not None:
        label = gettext_(item.msgid)
    else:
        label = ""
    return {
        "key": item.key,
        "href": item.href,
        "kind": item.kind,
        "label": label,
        "children": [_resolve(child, gettext_, territories) for child in item.children],
    }


def site_menus(lang: str, year: int | None = None) -> dict[str, Any]:
    """Every menu with labels resolved for ``lang``: the ``menus`` context of public/layout.html.

    Keys: ``main`` (list of items, each {key, href, kind, label, children}; kind is link, mega,
    search or language), ``search_hint``, ``footer`` (list of items), ``copyright``, ``site_name``,
    ``chrome`` (accessibility labels) and ``lang``.
    """
    year = year or dt.datetime.now(dt.UTC).year
    territories = _territories(lang)
    with force_locale(lang.replace("-", "_")):
        gettext_ = _translator(lang)
        return {
            "lang": lang,
            "site_name": SITE_NAME,
            "main": [_resolve(item, gettext_, territories) for item in MAIN_MENU],
            "search_hint": gettext_(SEARCH_HINT),
            "footer": [_resolve(item, gettext_, territories) for item in FOOTER_MENU],
            "copyright": gettext_(COPYRIGHT, site=SITE_NAME, year=year),
            "chrome": {key: gettext_(msgid) for key, msgid in CHROME.items()},
        }


def all_items() -> Iterator[MenuItem]:
    for root in (*MAIN_MENU, *FOOTER_MENU):
        yield from root.walk()


def all_menu_messages() -> list[str]:
    """Every msgid this module uses, in definition order, without duplicates."""
    msgids = [item.msgid for item in all_items() if item.msgid is not None]
    msgids += [SEARCH_HINT, COPYRIGHT, *CHROME.values()]
    return list(dict.fromkeys(msgids))


def territory_codes() -> list[str]:
    return [item.territory for item in all_items() if item.territory is not None]
