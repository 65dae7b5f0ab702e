"""Deterministic news-like sentence pairs (English → Russian) for the translation-memory benchmark.

Sentences come in families: a base sentence from one of the templates, then variants that change a number,
a name, a place, a weekday or the clause order, so that every stored sentence has fuzzy neighbours, as a
newsroom memory full of stock phrases does. The same seed always gives the same sentences.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

ROOT = Path(__file__).resolve().parent.parent
# Real news wording for the free clause some sentences carry (lexical variety beyond the templates).
CORPORA = {"en": [ROOT / "tests/fixtures/segmentation/news_en.json", ROOT / "bench/data/golden_rules_en.json"],
           "ru": [ROOT / "tests/fixtures/segmentation/news_ru.json", ROOT / "bench/data/golden_rules_ru.json"]}

FIRST = [("Nikol", "Никол"), ("Ilham", "Ильхам"), ("Kassym", "Касым"), ("Shavkat", "Шавкат"), ("Sadyr", "Садыр"),
         ("Irakli", "Иракли"), ("Ararat", "Арарат"), ("Jeyhun", "Джейхун"), ("Murat", "Мурат"), ("Maria", "Мария"),
         ("Sergei", "Сергей"), ("Alen", "Ален"), ("Ruben", "Рубен"), ("Gulnara", "Гульнара"), ("Olzhas", "Олжас"),
         ("Adylbek", "Адылбек"), ("Aida", "Аида"), ("Dilnoza", "Дильноза"), ("Timur", "Тимур"), ("Nino", "Нино"),
         ("Anna", "Анна"), ("Farid", "Фарид"), ("Zarina", "Зарина"), ("Bakhyt", "Бахыт"), ("Levan", "Леван")]
LAST = [("Pashinyan", "Пашинян"), ("Aliyev", "Алиев"), ("Tokayev", "Токаев"), ("Mirziyoyev", "Мирзиёев"),
        ("Japarov", "Жапаров"), ("Rahmon", "Рахмон"), ("Kobakhidze", "Кобахидзе"), ("Mirzoyan", "Мирзоян"),
        ("Bayramov", "Байрамов"), ("Nurtleu", "Нуртлеу"), ("Zakharova", "Захарова"), ("Simonyan", "Симонян"),
        ("Vardanyan", "Варданян"), ("Karimova", "Каримова"), ("Bektenov", "Бектенов"), ("Kasymaliev", "Касымалиев"),
        ("Rasulzoda", "Расулзода"), ("Abdullaev", "Абдуллаев"), ("Gogoladze", "Гоголадзе"), ("Sultanov", "Султанов")]
PEOPLE = [(f"{f} {la}", f"{fr} {lr}") for f, fr in FIRST for la, lr in LAST]


@cache
def _cldr() -> dict[str, list[tuple[str, str]]]:
    """Place, country, language and currency names in English and Russian from Babel's CLDR data.

    The twelve templates use places and countries only; the language and currency names are still drawn (a
    variant changing one is a duplicate and is dropped) so that the measured data set stays the same.
    """
    from babel import Locale
    from babel.dates import get_timezone_location

    en, ru = Locale("en"), Locale("ru")
    cities = {get_timezone_location(zone, locale="en", return_city=True):
              get_timezone_location(zone, locale="ru", return_city=True)
              for zone in sorted(available_timezones()) if "/" in zone and not zone.startswith("Etc/")}
    return {
        "c": sorted(cities.items()),
        "k": sorted((en.territories[code], ru.territories[code]) for code in en.territories
                    if code.isalpha() and code in ru.territories),
        "l": sorted((en.languages[code], ru.languages[code]) for code in en.languages if code in ru.languages),
        "u": sorted((en.currencies[code], ru.currencies[code]) for code in en.currencies if code in ru.currencies),
    }


DAYS = [("Monday", "в понедельник"), ("Tuesday", "во вторник"), ("Wednesday", "в среду"),
        ("Thursday", "в четверг"), ("Friday", "в пятницу"), ("Saturday", "в субботу"), ("Sunday", "в воскресенье")]
GOODS = [("bread", "хлеб"), ("fuel", "топливо"), ("electricity", "электроэнергию"), ("natural gas", "газ"),
         ("flour", "муку"), ("sugar", "сахар"), ("cotton", "хлопок"), ("wheat", "пшеницу"), ("cement", "цемент"),
         ("fertilizer", "удобрения")]
BODIES = [("the central bank", "центральный банк"), ("the parliament", "парламент"),
          ("the foreign ministry", "министерство иностранных дел"),
          ("the statistics agency", "статистическое агентство"),
          ("the prosecutor's office", "прокуратура"), ("the election commission", "избирательная комиссия"),
          ("the health ministry", "министерство здравоохранения"), ("the energy regulator", "энергорегулятор")]

# (English, Russian) with slots {p} person, {c} city, {k} country, {d} day, {g} goods, {b} body, {n} {m} numbers.
# A second English form of a template reorders its clauses (the same Russian), the word-order variant.
TEMPLATES: list[tuple[tuple[str, ...], str]] = [
    (("{p} met the leaders of {k} in {c} on {d} to discuss the border talks.",
      "On {d}, {p} met the leaders of {k} in {c} to discuss the border talks."),
     "{p} {d} встретился с руководством страны ({k}) в {c}, чтобы обсудить переговоры о границе."),
    (("Prices of {g} in {c} rose by {n} percent in the past {m} weeks, {b} said.",
      "{b} said prices of {g} in {c} rose by {n} percent in the past {m} weeks."),
     "Цены на {g} в {c} выросли на {n} процента за последние {m} недель, сообщил {b}."),
    (("At least {n} people were detained in {c} after the protest on {d}, police said.",
      "Police said at least {n} people were detained in {c} after the protest on {d}."),
     "По данным полиции, после акции протеста {d} в {c} задержаны не менее {n} человек."),
    (("{b} of {k} approved a budget of {n} million dollars for {m} new schools.",
      "A budget of {n} million dollars for {m} new schools was approved by {b} of {k}."),
     "{b} ({k}) утвердил бюджет в {n} млн долларов на {m} новых школ."),
    (("{p} told reporters in {c} that {k} would not join the new customs union.",
      "{k} will not join the new customs union, {p} told reporters in {c}."),
     "{p} заявил журналистам в {c}, что {k} не вступит в новый таможенный союз."),
    (("The trial of {n} former officials resumed in {c} on {d} after a break of {m} days.",
      "On {d}, the trial of {n} former officials resumed in {c} after a break of {m} days."),
     "Суд над {n} бывшими чиновниками возобновился в {c} {d} после перерыва в {m} дней."),
    (("Exports of {g} from {k} fell to {n} thousand tonnes in the first {m} months of the year.",
      "In the first {m} months of the year, exports of {g} from {k} fell to {n} thousand tonnes."),
     "Экспорт товара ({g}) из страны ({k}) за первые {m} месяцев года снизился до {n} тыс. тонн."),
    (("{b} said {n} cases of measles were registered in {c} over the past {m} days.",
      "Over the past {m} days, {n} cases of measles were registered in {c}, {b} said."),
     "{b} сообщил, что за последние {m} дней в {c} зарегистрировано {n} случаев кори."),
    (("{p} arrived in {c} on {d} for a {m}-day visit, the first since {n}.",
      "On {d}, {p} arrived in {c} for a {m}-day visit, the first since {n}."),
     "{p} {d} прибыл в {c} с {m}-дневным визитом, первым с {n} года."),
    (("The exchange rate reached {n} per dollar in {c} on {d}, {b} reported.",
      "{b} reported that the exchange rate reached {n} per dollar in {c} on {d}."),
     "{d} обменный курс в {c} достиг {n} за доллар, сообщил {b}."),
    (("Voters in {k} will elect {m} members of {b} in a vote planned for {d}.",
      "In a vote planned for {d}, voters in {k} will elect {m} members of {b}."),
     "Избиратели ({k}) {d} выберут {m} членов органа ({b})."),
    (("A new road linking {c} with the border of {k} will cost {n} million dollars, {p} said.",
      "{p} said a new road linking {c} with the border of {k} will cost {n} million dollars."),
     "Новая дорога, связывающая {c} с границей ({k}), обойдётся в {n} млн долларов, заявил {p}."),
]


@cache
def _words(lang: str) -> list[list[str]]:
    texts = [case["text"] for path in CORPORA[lang] for case in json.loads(path.read_text(encoding="utf-8"))]
    sentences = [re.sub(r"[^\w\s'-]", "", t).split() for text in texts for t in re.split(r"(?<=[.!?])\s+", text)]
    return [words for words in sentences if len(words) >= 6]


def _clause(rng: random.Random, lang: str) -> str:
    """Four to eight consecutive words of a real news sentence."""
    words = rng.choice(_words(lang))
    size = rng.randint(4, min(8, len(words)))
    start = rng.randrange(0, len(words) - size + 1)
    return " ".join(words[start:start + size])


# Lead-ins and closing adjuncts combined freely with the core templates (and the free clause below): a frame
# recurs a few dozen times in a million sentences, as stock phrasing does, instead of forty thousand times.
LEADS = [("", ""), ("According to local media, ", "По данным местных СМИ, "),
         ("Officials said that ", "Официальные лица заявили, что "),
         ("In a statement, ", "В заявлении говорится, что "),
         ("Sources told Eurasianet that ", "Источники сообщили Eurasianet, что "),
         ("As expected, ", "Как и ожидалось, "), ("Separately, ", "Кроме того, "), ("Meanwhile, ", "Тем временем "),
         ("Earlier this week, ", "Ранее на этой неделе "), ("Despite protests, ", "Несмотря на протесты, "),
         ("In a surprise move, ", "Неожиданно "), ("Analysts noted that ", "Аналитики отметили, что "),
         ("For the first time, ", "Впервые "), ("Under the new rules, ", "По новым правилам "),
         ("State television reported that ", "Государственное телевидение сообщило, что "),
         ("Diplomats in the region said that ", "Дипломаты в регионе заявили, что "),
         ("Local residents complained that ", "Местные жители пожаловались, что "),
         ("Critics argued that ", "Критики утверждали, что "), ("Once again, ", "В очередной раз "),
         ("Late on Friday, ", "Поздно вечером в пятницу "),
         ("According to preliminary data, ", "По предварительным данным, ")]
ADJUNCTS = [("", ""), (", according to the ministry", ", по данным министерства"),
            (", despite objections from the opposition", ", несмотря на возражения оппозиции"),
            (" after weeks of negotiations", " после нескольких недель переговоров"),
            (", the first such case this year", ", это первый такой случай в этом году"),
            (" amid growing tension on the border", " на фоне растущей напряжённости на границе"),
            (", a move welcomed by investors", ", что приветствовали инвесторы"),
            (" ahead of the regional summit", " накануне регионального саммита"),
            (", local media reported", ", сообщили местные СМИ"), (" in a closed session", " на закрытом заседании"),
            (", without giving details", ", не приводя подробностей"),
            (" under pressure from international lenders", " под давлением международных кредиторов"),
            (", a spokesperson confirmed", ", подтвердил представитель"),
            (" for the second time in a month", " второй раз за месяц"),
            (", reversing an earlier decision", ", отменив прежнее решение"),
            (" as part of a wider reform", " в рамках более широкой реформы"),
            (", officials in the capital said", ", заявили чиновники в столице"),
            (" despite the economic slowdown", " несмотря на замедление экономики")]


def _fill(form: str, slots: dict[str, str]) -> str:
    return form.format(**slots)


def _slots(rng: random.Random) -> tuple[dict[str, str], dict[str, str]]:
    cldr = _cldr()
    picks = {"p": rng.choice(PEOPLE), "d": rng.choice(DAYS), "g": rng.choice(GOODS), "b": rng.choice(BODIES),
             **{slot: rng.choice(names) for slot, names in cldr.items()}}
    n, m = str(rng.randint(2, 9999)), str(rng.randint(2, 60))
    en = {slot: pair[0] for slot, pair in picks.items()} | {"n": n, "m": m}
    ru = {slot: pair[1] for slot, pair in picks.items()} | {"n": n, "m": m}
    return en, ru


def _vary(rng: random.Random, en: dict[str, str], ru: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """One slot changed: a number most often, else a name, a place, a country or a day."""
    en, ru = dict(en), dict(ru)
    kind = rng.choice("nnnmpckdlu")
    if kind in "nm":
        en[kind] = ru[kind] = str(rng.randint(2, 9999) if kind == "n" else rng.randint(2, 60))
        return en, ru
    table = {"p": PEOPLE, "d": DAYS, **_cldr()}[kind]
    pick = rng.choice(table)
    en[kind], ru[kind] = pick
    return en, ru


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(lead: str, form: str, slots: dict[str, str], adjunct: str, tail: str) -> str:
    body = _fill(form, slots)[:-1]
    if lead and not form.startswith("{"):  # "Meanwhile, the trial…", but "Meanwhile, Nikol Pashinyan…"
        body = body[:1].lower() + body[1:]
    return _capital(lead + body + adjunct + tail + form[-1])


def family(rng: random.Random, size: int) -> Iterator[tuple[str, str]]:
    """A base sentence and ``size - 1`` variants of it (one slot or the clause order changed each time)."""
    forms, ru_form = rng.choice(TEMPLATES)
    (lead_en, lead_ru), (adjunct_en, adjunct_ru) = rng.choice(LEADS), rng.choice(ADJUNCTS)
    en, ru = _slots(rng)
    form = forms[0]
    # Most families carry a free clause of real news wording, so templates do not make up the whole memory.
    if rng.random() < 0.8:
        tail_en, tail_ru = f" amid reports that {_clause(rng, 'en')}", f" на фоне сообщений: {_clause(rng, 'ru')}"
    else:
        tail_en = tail_ru = ""
    for i in range(size):
        if i:
            if len(forms) > 1 and rng.random() < 0.2:
                form = forms[1] if form == forms[0] else forms[0]
            else:
                en, ru = _vary(rng, en, ru)
        yield _join(lead_en, form, en, adjunct_en, tail_en), _join(lead_ru, ru_form, ru, adjunct_ru, tail_ru)


def pairs(count: int, seed: int = 6, family_size: int = 5) -> Iterator[tuple[str, str]]:
    """``count`` distinct (English, Russian) pairs, in families of about ``family_size``."""
    rng = random.Random(seed)
    seen: set[int] = set()  # hashes of what was emitted: duplicates would blur exact-match and recall figures
    made = 0
    while made < count:
        for en, ru in family(rng, family_size):
            key = hash(en)
            if key in seen:
                continue
            seen.add(key)
            yield en, ru
            made += 1
            if made == count:
                return


def perturb(rng: random.Random, sentence: str) -> str:
    """A query near a stored sentence: one number changed, or a word dropped or doubled."""
    words = sentence.split(" ")
    numbers = [i for i, w in enumerate(words) if w.strip(".,").isdigit()]
    choice = rng.random()
    if numbers and choice < 0.5:
        i = rng.choice(numbers)
        words[i] = str(rng.randint(2, 9999)) + ("," if words[i].endswith(",") else "")
    elif choice < 0.75 and len(words) > 4:
        del words[rng.randrange(1, len(words) - 1)]
    else:
        i = rng.randrange(1, len(words))
        words.insert(i, words[i])
    return " ".join(words)
