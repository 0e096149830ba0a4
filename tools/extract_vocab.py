"""Regenerates the word lists in ``src/retail_lakehouse/generate/vocab/``.

This script owns the content of every vocabulary file: the lists drawn from Faker are read
from the installed Faker package, and the hand-written lists (invented brands, product
adjectives and nouns, and cities for countries whose Faker locale has no usable list of real
cities) are kept below. To change a list, edit it here and rerun::

    uv run --with faker python tools/extract_vocab.py           # rewrite the files
    uv run --with faker python tools/extract_vocab.py --check   # exit 1 if a file is stale

Faker is not a project dependency; only this script needs it. Every file is written sorted,
deduplicated, UTF-8, one entry per line, and checked for blank, padded or malformed entries.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from importlib import import_module
from pathlib import Path

VOCAB_DIR = Path(__file__).resolve().parents[1] / "src" / "retail_lakehouse" / "generate" / "vocab"

# Person names: Faker en_US, ASCII letters, apostrophes and hyphens only.
_NAME_PATTERN = re.compile(r"^[A-Za-z'-]+$")

# Countries whose Faker locale lists real cities, ordered by population: take the first N.
FAKER_CITY_LOCALES: dict[str, tuple[str, int]] = {
    "India": ("en_IN", 40),
    "Poland": ("pl_PL", 30),
    "Sweden": ("sv_SE", 30),
}

# Well-known English names for cities whose Faker name is the local one.
CITY_EXONYMS: dict[str, str] = {
    "Göteborg": "Gothenburg",
    "Warszawa": "Warsaw",
}

# Letters that Unicode NFKD does not decompose into an ASCII base letter.
_ASCII_FOLD = str.maketrans(
    {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Æ": "AE", "æ": "ae", "\u2013": "-"}
)

# fmt: off
# Real, well-known cities, romanized to ASCII, for countries without a usable Faker list
# (en_US, en_GB, en_CA, en_AU, fr_FR, es_ES, pt_BR and es_MX only build fake names; de_DE and
# nl_NL list small towns alphabetically; ja_JP and ko_KR are not romanized; it_IT is random).
CURATED_CITIES: dict[str, tuple[str, ...]] = {
    "Australia": (
        "Adelaide", "Albury", "Alice Springs", "Ballarat", "Bendigo", "Brisbane", "Bunbury",
        "Bundaberg", "Cairns", "Canberra", "Darwin", "Geelong", "Gold Coast", "Hobart",
        "Launceston", "Mackay", "Melbourne", "Mildura", "Newcastle", "Perth", "Rockhampton",
        "Sunshine Coast", "Sydney", "Toowoomba", "Townsville", "Wagga Wagga", "Wollongong",
    ),
    "Brazil": (
        "Aracaju", "Belem", "Belo Horizonte", "Brasilia", "Campinas", "Campo Grande",
        "Contagem", "Cuiaba", "Curitiba", "Duque de Caxias", "Feira de Santana",
        "Florianopolis", "Fortaleza", "Goiania", "Guarulhos", "Joao Pessoa", "Joinville",
        "Juiz de Fora", "Londrina", "Maceio", "Manaus", "Natal", "Osasco", "Porto Alegre",
        "Recife", "Ribeirao Preto", "Rio de Janeiro", "Salvador", "Santo Andre", "Santos",
        "Sao Bernardo do Campo", "Sao Goncalo", "Sao Luis", "Sao Paulo", "Sorocaba",
        "Teresina", "Uberlandia", "Vitoria",
    ),
    "Canada": (
        "Barrie", "Brampton", "Burnaby", "Calgary", "Charlottetown", "Edmonton",
        "Fredericton", "Gatineau", "Guelph", "Halifax", "Hamilton", "Kelowna", "Kingston",
        "Kitchener", "Laval", "Markham", "Mississauga", "Moncton", "Montreal", "Oshawa",
        "Ottawa", "Quebec City", "Regina", "Saskatoon", "Sherbrooke", "Surrey",
        "Thunder Bay", "Toronto", "Vancouver", "Victoria", "Whitehorse", "Windsor",
        "Winnipeg", "Yellowknife",
    ),
    "France": (
        "Aix-en-Provence", "Amiens", "Angers", "Avignon", "Besancon", "Bordeaux", "Brest",
        "Caen", "Clermont-Ferrand", "Dijon", "Grenoble", "Le Havre", "Le Mans", "Lille",
        "Limoges", "Lyon", "Marseille", "Metz", "Montpellier", "Nancy", "Nantes", "Nice",
        "Nimes", "Orleans", "Paris", "Perpignan", "Reims", "Rennes", "Rouen",
        "Saint-Etienne", "Strasbourg", "Toulon", "Toulouse", "Tours",
    ),
    "Germany": (
        "Aachen", "Augsburg", "Berlin", "Bielefeld", "Bochum", "Bonn", "Bremen", "Cologne",
        "Dortmund", "Dresden", "Duisburg", "Dusseldorf", "Essen", "Frankfurt", "Freiburg",
        "Hamburg", "Hanover", "Heidelberg", "Karlsruhe", "Kiel", "Leipzig", "Mainz",
        "Mannheim", "Munich", "Munster", "Nuremberg", "Potsdam", "Regensburg", "Rostock",
        "Stuttgart", "Wiesbaden", "Wuppertal",
    ),
    "Italy": (
        "Bari", "Bergamo", "Bologna", "Brescia", "Cagliari", "Catania", "Como", "Ferrara",
        "Florence", "Foggia", "Genoa", "Lecce", "Livorno", "Messina", "Milan", "Modena",
        "Naples", "Padua", "Palermo", "Parma", "Perugia", "Pisa", "Prato", "Ravenna",
        "Reggio Calabria", "Reggio Emilia", "Rimini", "Rome", "Salerno", "Siena", "Taranto",
        "Trento", "Trieste", "Turin", "Venice", "Verona",
    ),
    "Japan": (
        "Chiba", "Fukuoka", "Hachioji", "Hakodate", "Hamamatsu", "Himeji", "Hiroshima",
        "Kagoshima", "Kanazawa", "Kawasaki", "Kitakyushu", "Kobe", "Kumamoto", "Kyoto",
        "Matsuyama", "Nagano", "Nagasaki", "Nagoya", "Naha", "Nara", "Niigata", "Okayama",
        "Osaka", "Sagamihara", "Saitama", "Sakai", "Sapporo", "Sendai", "Shizuoka", "Tokyo",
        "Utsunomiya", "Yokohama",
    ),
    "Mexico": (
        "Acapulco", "Aguascalientes", "Cancun", "Chihuahua", "Ciudad Juarez", "Cuernavaca",
        "Culiacan", "Durango", "Ensenada", "Guadalajara", "Hermosillo", "Leon", "Mazatlan",
        "Merida", "Mexicali", "Mexico City", "Monterrey", "Morelia", "Oaxaca", "Puebla",
        "Puerto Vallarta", "Queretaro", "Saltillo", "San Luis Potosi", "Tampico", "Tijuana",
        "Toluca", "Torreon", "Tuxtla Gutierrez", "Veracruz", "Villahermosa", "Xalapa",
        "Zapopan",
    ),
    "Netherlands": (
        "Alkmaar", "Almere", "Amersfoort", "Amsterdam", "Apeldoorn", "Arnhem", "Breda",
        "Delft", "Den Bosch", "Deventer", "Dordrecht", "Eindhoven", "Enschede", "Groningen",
        "Haarlem", "Hilversum", "Leeuwarden", "Leiden", "Maastricht", "Nijmegen",
        "Rotterdam", "The Hague", "Tilburg", "Utrecht", "Venlo", "Zaanstad", "Zoetermeer",
        "Zwolle",
    ),
    "South Korea": (
        "Andong", "Ansan", "Bucheon", "Busan", "Changwon", "Cheonan", "Cheongju",
        "Chuncheon", "Daegu", "Daejeon", "Gangneung", "Gimhae", "Goyang", "Gwangju",
        "Gyeongju", "Hwaseong", "Incheon", "Jeju", "Jeonju", "Mokpo", "Namyangju", "Pohang",
        "Sejong", "Seongnam", "Seoul", "Suwon", "Ulsan", "Wonju", "Yeosu", "Yongin",
    ),
    "Spain": (
        "A Coruna", "Alicante", "Almeria", "Barcelona", "Bilbao", "Burgos", "Cadiz",
        "Castellon de la Plana", "Cordoba", "Elche", "Gijon", "Girona", "Granada",
        "Las Palmas", "Leon", "Madrid", "Malaga", "Murcia", "Oviedo", "Palma", "Pamplona",
        "Salamanca", "San Sebastian", "Santa Cruz de Tenerife", "Santander", "Seville",
        "Tarragona", "Toledo", "Valencia", "Valladolid", "Vigo", "Vitoria-Gasteiz",
        "Zaragoza",
    ),
    "United Kingdom": (
        "Aberdeen", "Bath", "Belfast", "Birmingham", "Brighton", "Bristol", "Cambridge",
        "Cardiff", "Coventry", "Derby", "Dundee", "Edinburgh", "Exeter", "Glasgow", "Hull",
        "Inverness", "Leeds", "Leicester", "Liverpool", "London", "Manchester",
        "Newcastle upon Tyne", "Norwich", "Nottingham", "Oxford", "Plymouth", "Portsmouth",
        "Reading", "Sheffield", "Southampton", "Swansea", "York",
    ),
    "United States": (
        "Albuquerque", "Atlanta", "Austin", "Baltimore", "Boston", "Charlotte", "Chicago",
        "Cleveland", "Columbus", "Dallas", "Denver", "Detroit", "El Paso", "Fort Worth",
        "Fresno", "Houston", "Indianapolis", "Jacksonville", "Kansas City", "Las Vegas",
        "Los Angeles", "Louisville", "Memphis", "Miami", "Milwaukee", "Minneapolis",
        "Nashville", "New Orleans", "New York", "Oklahoma City", "Philadelphia", "Phoenix",
        "Pittsburgh", "Portland", "Sacramento", "Salt Lake City", "San Antonio",
        "San Diego", "San Francisco", "San Jose", "Seattle", "St. Louis", "Tampa",
        "Tucson", "Washington",
    ),
}

REQUIRED_COUNTRIES: tuple[str, ...] = (
    "United States", "United Kingdom", "Germany", "France", "Canada", "Australia", "Japan",
    "India", "Brazil", "Spain", "Italy", "Netherlands", "Mexico", "Sweden", "Poland",
    "South Korea",
)

# Invented brand names, chosen to avoid well-known trademarks.
BRANDS: tuple[str, ...] = (
    "Alderbrook", "Alderwick", "Amberfield", "Ambervale", "Anvilcrest", "Ashgrove",
    "Ashmere", "Aspenridge", "Auburnleaf", "Azurefold", "Baykindle", "Beaconmere",
    "Birchwell", "Blackfern", "Bluefinch", "Bluehollow", "Bramblewick", "Brassfield",
    "Brightmoor", "Brindlewood", "Brookhollow", "Burlwick", "Cairnline", "Calderwood",
    "Canyonreach", "Cedarloom", "Cindervale", "Clearbrook", "Cloudmere", "Cobaltline",
    "Cobblemoor", "Copperleaf", "Coralhaven", "Cottonwick", "Crestmoor", "Crowfield",
    "Dapplewood", "Dawnhollow", "Deepwell", "Dovecrest", "Driftmark", "Duneharbor",
    "Eastbrook", "Elmstead", "Embercove", "Emberline", "Everfallow", "Fablewood",
    "Fairhollow", "Fallowmere", "Fennimore", "Fernhallow", "Fieldmark", "Finchley Row",
    "Flintmoor", "Foxglen", "Foxmere", "Frostvale", "Galewood", "Gildenmoor", "Glenharrow",
    "Goldfinch Lane", "Granitebay", "Greyhollow", "Greymoss", "Gullhaven", "Harborlight",
    "Harrowgate", "Hartwell", "Hazelbrook", "Hearthmere", "Heathercombe", "Hollowpine",
    "Honeybrook", "Hopwell", "Ironbark", "Ironmere", "Ivywick", "Juniperhill", "Keelbright",
    "Kestrelwood", "Kettlebrook", "Kindlewood", "Kingsmoor", "Lakemont", "Larchfield",
    "Lanternfly", "Lark and Loom", "Larkspire", "Leafmere", "Lindenhall", "Lindqvist Home",
    "Loamwell", "Lochmoor", "Longmeadow", "Loomcraft", "Lowtide", "Lumenbrook", "Lynxmoor",
    "Maplecroft", "Marbleway", "Marrowdale", "Meadowfork", "Mendwell", "Merrowby",
    "Millbrace", "Millstone Row", "Mistvale", "Moonhollow", "Mossgrove", "Mountfallow",
    "Mulberry Hill", "Nettlefield", "Nightjar", "Northwind", "Nutmeg Lane", "Oakhaven",
    "Oakmere", "Ochreline", "Orchardine", "Otterbrook", "Owlcrest", "Palisade Goods",
    "Pebblecove", "Pennyroyal", "Pinecrest Supply", "Pinemoor", "Plumfield", "Quarrystone",
    "Quillcrest", "Quillmoor", "Rainmere", "Ravenfold", "Redmoss", "Reedwick", "Ridgeloft",
    "Rivermoor", "Rookwood", "Rosehallow", "Rowanbrook", "Rustmere", "Saffronwick",
    "Saltmarsh", "Sandwhistle", "Sedgefield", "Shalebrook", "Shorelark", "Silverbirch",
    "Skyehaven", "Slatecove", "Sloeberry", "Snowmere", "Sorrelwood", "Sparrowgate",
    "Spindlewood", "Spruceline", "Stillbrook", "Stonefallow", "Stormhollow", "Summerhallow",
    "Sunmere", "Swallowtail", "Tallowby", "Tansyfield", "Tarnwick", "Teaselwood",
    "Thistledown", "Thornbury Works", "Tidewell", "Timberwick", "Tinderbox Co",
    "Torchmere Supply", "Trailmere", "Tumbleweed Co", "Umbermoor", "Upland Thread",
    "Valecrest", "Velvetmoss", "Verdigris", "Wainwright Goods", "Wanderfell", "Wardenbrook",
    "Waxwing", "Weatherby Mills", "Westhollow", "Wheatley Row", "Whistlewood",
    "Wildmere", "Willowbank", "Windrush Home", "Wintermoss", "Wispwood", "Wolfhollow",
    "Woolcombe", "Wrenfield", "Yarrowdale", "Yewbrook", "Zephyrline",
)

PRODUCT_ADJECTIVES: tuple[str, ...] = (
    "Adjustable", "Advanced", "Airy", "All-Purpose", "All-Weather", "Anti-Slip",
    "Artisan", "Bold", "Breathable", "Bright", "Budget", "Chunky", "Classic", "Clear",
    "Collapsible", "Colorful", "Comfortable", "Compact", "Contemporary", "Cordless",
    "Cozy", "Crisp", "Custom", "Deluxe", "Durable", "Eco-Friendly", "Elegant",
    "Energy-Saving", "Ergonomic", "Essential", "Everyday", "Expandable", "Extra-Large",
    "Family-Size", "Fast-Drying", "Fine", "Flexible", "Foldable", "Fragrance-Free",
    "Fresh", "Gentle", "Glossy", "Gourmet", "Handcrafted", "Handheld", "Handmade",
    "Hardwearing", "Heavy-Duty", "Heritage", "High-Performance", "Hypoallergenic",
    "Insulated", "Intelligent", "Lightweight", "Limited-Edition", "Low-Profile", "Luxe",
    "Luxury", "Magnetic", "Matte", "Mini", "Minimalist", "Modern", "Modular",
    "Multi-Purpose", "Natural", "Non-Stick", "Nordic", "Organic", "Original", "Oversized",
    "Padded", "Plush", "Polished", "Portable", "Practical", "Precision", "Premium",
    "Professional", "Pure", "Quick-Release", "Quiet", "Rechargeable", "Recycled",
    "Refined", "Reinforced", "Reliable", "Reusable", "Reversible", "Robust", "Rugged",
    "Rustic", "Scented", "Sculpted", "Seamless", "Signature", "Simple", "Slim", "Sleek",
    "Smart", "Soft", "Solar-Powered", "Space-Saving", "Sparkling", "Sporty", "Stackable",
    "Stainless", "Sturdy", "Stylish", "Supreme", "Sustainable", "Textured", "Thermal",
    "Timeless", "Tough", "Travel", "Ultra-Light", "Ultra-Thin", "Unbreakable", "Universal",
    "Urban", "Versatile", "Vintage", "Warm", "Washable", "Waterproof", "Weatherproof",
    "Wireless", "Woven",
)

# Product adjectives by the category whose nouns they suit ("Hardwearing" fits boots,
# not a hair dryer); the generator draws a product's adjective among its category's.
PRODUCT_ADJECTIVES_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "Automotive": (
        "Advanced", "All-Season", "Durable", "Essential", "Heavy-Duty", "High-Performance",
        "Long-Lasting", "Premium", "Pro-Grade", "Professional", "Reliable", "Universal",
    ),
    "Beauty": (
        "Classic", "Deluxe", "Essential", "Everyday", "Limited-Edition", "Luxe", "Luxury",
        "Mini", "Premium", "Professional", "Signature", "Travel",
    ),
    "Books": (
        "Award-Winning", "Bestselling", "Classic", "Deluxe", "Essential", "First-Edition",
        "Hardcover", "Illustrated", "Large-Print", "Limited-Edition", "Paperback", "Pocket",
        "Signed", "Vintage",
    ),
    "Clothing": (
        "Casual", "Classic", "Contemporary", "Essential", "Everyday", "Hardwearing", "Heritage",
        "Lightweight", "Minimalist", "Modern", "Premium", "Recycled", "Retro", "Stylish",
        "Sustainable", "Timeless", "Urban", "Vintage",
    ),
    "Electronics": (
        "Advanced", "Budget", "Compact", "Durable", "Essential", "Minimalist", "Modern",
        "Next-Gen", "Premium", "Professional", "Reliable", "Sleek",
    ),
    "Garden": (
        "Backyard", "Classic", "Eco-Friendly", "Essential", "Everyday", "Premium",
        "Professional", "Sustainable",
    ),
    "Grocery": (
        "Artisan", "Classic", "Everyday", "Family-Size", "Gourmet", "Natural", "Non-GMO",
        "Organic", "Original", "Premium", "Wholesome",
    ),
    "Home & Kitchen": (
        "Classic", "Contemporary", "Elegant", "Essential", "Everyday", "Farmhouse",
        "Minimalist", "Modern", "Nordic", "Premium", "Rustic", "Stylish", "Timeless", "Vintage",
    ),
    "Sports & Outdoors": (
        "Durable", "Essential", "Everyday", "Hardwearing", "High-Performance", "Premium",
        "Professional", "Rugged", "Sporty", "Ultimate",
    ),
    "Toys & Games": (
        "Classic", "Collectible", "Colorful", "Deluxe", "Giant", "Junior", "Mini", "Retro",
    ),
}

PRODUCT_NOUNS: dict[str, tuple[str, ...]] = {
    "Automotive": (
        "Air Freshener", "Battery Charger", "Brake Pads", "Car Charger", "Car Cover",
        "Car Vacuum", "Car Wax", "Dash Cam", "Floor Mats", "Headlight Bulb", "Ice Scraper",
        "Jack Stand", "Jump Starter", "Microfiber Cloth", "Motor Oil", "Mud Flaps",
        "Oil Filter", "Phone Mount", "Roof Rack", "Seat Covers", "Socket Set", "Spark Plugs",
        "Steering Wheel Cover", "Sunshade", "Tire Gauge", "Tire Inflator", "Tow Strap",
        "Trunk Organizer", "Washer Fluid", "Wiper Blades",
    ),
    "Beauty": (
        "Bath Bomb", "Blush", "Body Lotion", "Body Wash", "Cleanser", "Cologne", "Concealer",
        "Conditioner", "Deodorant", "Eye Cream", "Eyeliner", "Face Mask", "Foundation",
        "Hair Dryer", "Hair Oil", "Hair Straightener", "Hand Cream", "Lip Balm", "Lipstick",
        "Makeup Brush Set", "Mascara", "Moisturizer", "Nail Polish", "Perfume", "Razor",
        "Serum", "Shampoo", "Shaving Cream", "Sunscreen", "Toner",
    ),
    "Books": (
        "Almanac", "Anthology", "Atlas", "Biography", "Coloring Book", "Cookbook",
        "Dictionary", "Encyclopedia", "Essay Collection", "Field Guide", "Graphic Novel",
        "Handbook", "History", "Memoir", "Mystery Novel", "Novel", "Phrasebook",
        "Picture Book", "Poetry Collection", "Puzzle Book", "Short Story Collection",
        "Textbook", "Thriller", "Travel Guide", "Workbook",
    ),
    "Clothing": (
        "Beanie", "Belt", "Blazer", "Blouse", "Boots", "Cap", "Cardigan", "Chinos", "Dress",
        "Gloves", "Hoodie", "Jacket", "Jeans", "Joggers", "Leggings", "Loafers", "Pajamas",
        "Parka", "Polo Shirt", "Raincoat", "Sandals", "Scarf", "Shorts", "Skirt", "Sneakers",
        "Socks", "Sweater", "T-Shirt", "Tank Top", "Vest",
    ),
    "Electronics": (
        "Camera", "Charger", "Drone", "E-Reader", "Earbuds", "External SSD",
        "Fitness Tracker", "HDMI Cable", "Hard Drive", "Headphones", "Keyboard",
        "Laptop Stand", "Memory Card", "Microphone", "Monitor", "Mouse", "Phone Case",
        "Power Bank", "Projector", "Radio", "Router", "Screen Protector", "Smartwatch",
        "Soundbar", "Speaker", "Tablet", "Turntable", "USB Hub", "Webcam",
    ),
    "Garden": (
        "Bird Bath", "Bird Feeder", "Compost Bin", "Fertilizer", "Fire Pit", "Garden Gloves",
        "Garden Hose", "Garden Kneeler", "Hedge Trimmer", "Hose Nozzle", "Lawn Mower",
        "Leaf Blower", "Lounge Chair", "Mulch", "Patio Umbrella", "Plant Stand", "Planter",
        "Potting Soil", "Pruning Shears", "Rain Barrel", "Raised Bed", "Rake",
        "Seed Starter Kit", "Shovel", "Solar Lights", "Sprinkler", "String Lights",
        "Trowel", "Watering Can", "Wheelbarrow",
    ),
    "Grocery": (
        "Almonds", "Balsamic Vinegar", "Black Pepper", "Canned Tomatoes", "Cashews",
        "Cereal", "Chickpeas", "Coconut Water", "Coffee Beans", "Crackers", "Dark Chocolate",
        "Flour", "Granola", "Green Tea", "Honey", "Hot Sauce", "Jam", "Lentils",
        "Maple Syrup", "Oatmeal", "Olive Oil", "Pasta", "Peanut Butter", "Popcorn",
        "Protein Bar", "Rice", "Salsa", "Sea Salt", "Sparkling Water", "Spice Blend",
        "Tortilla Chips", "Trail Mix",
    ),
    "Home & Kitchen": (
        "Air Fryer", "Baking Dish", "Bath Mat", "Blender", "Candle", "Coffee Maker",
        "Colander", "Cutting Board", "Dinner Plate", "Dutch Oven", "Duvet Cover",
        "Food Container", "French Press", "Kettle", "Knife Set", "Lunch Box",
        "Measuring Cups", "Mixing Bowl", "Mug", "Pillow", "Rice Cooker", "Saucepan", "Shelf",
        "Skillet", "Slow Cooker", "Spatula", "Stand Mixer", "Storage Basket", "Table Lamp",
        "Throw Blanket", "Toaster", "Towel Set", "Trash Can", "Tumbler",
    ),
    "Sports & Outdoors": (
        "Backpack", "Basketball", "Bike Helmet", "Bike Light", "Bike Lock", "Binoculars",
        "Camping Stove", "Climbing Harness", "Compass", "Cooler", "Dumbbell", "Fishing Rod",
        "Foam Roller", "Golf Balls", "Hammock", "Headlamp", "Hiking Poles", "Jump Rope",
        "Kayak Paddle", "Kettlebell", "Resistance Band", "Sleeping Bag", "Soccer Ball",
        "Swim Goggles", "Tennis Racket", "Tent", "Trail Shoes", "Water Bottle",
        "Water Filter", "Yoga Mat",
    ),
    "Toys & Games": (
        "Action Figure", "Board Game", "Bubble Wand", "Building Blocks", "Card Game",
        "Chess Set", "Craft Kit", "Doll", "Dollhouse", "Dominoes", "Flying Disc",
        "Jigsaw Puzzle", "Kite", "Marble Run", "Modeling Clay", "Plush Toy", "Puzzle Cube",
        "Remote Control Car", "Science Kit", "Spinning Top", "Stacking Rings", "Teddy Bear",
        "Toy Car", "Train Set", "Water Gun", "Yo-Yo",
    ),
}

# fmt: on

_FORBIDDEN_CHARACTERS = frozenset('\t\n\r"\\')


def ascii_fold(text: str) -> str:
    """``"Łódź"`` -> ``"Lodz"``: strip accents and map the few letters NFKD leaves alone."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if not folded.isascii():
        raise ValueError(f"cannot fold {text!r} to ASCII (got {folded!r})")
    return folded


def check_entry(entry: str, where: str) -> None:
    """Reject blank, padded or multi-space entries and characters the files must not hold."""
    if not entry or entry != entry.strip() or "  " in entry:
        raise ValueError(f"{where}: blank or badly spaced entry {entry!r}")
    if bad := _FORBIDDEN_CHARACTERS.intersection(entry):
        raise ValueError(f"{where}: entry {entry!r} contains {sorted(bad)!r}")


def faker_person_names(attribute: str) -> list[str]:
    """Faker en_US ``first_names`` or ``last_names``, keeping names of ASCII letters, ' and -."""
    provider = import_module("faker.providers.person.en_US").Provider
    return [name for name in getattr(provider, attribute) if _NAME_PATTERN.fullmatch(name)]


def faker_cities(locale: str, count: int) -> list[str]:
    """The first ``count`` (most populous) cities of a Faker locale, as ASCII English names."""
    provider = import_module(f"faker.providers.address.{locale}").Provider
    names: list[str] = []
    for raw in provider.cities:
        name = CITY_EXONYMS.get(raw.strip(), raw.strip())
        name = ascii_fold(name)
        if name not in names:
            names.append(name)
        if len(names) == count:
            return names
    raise ValueError(f"Faker locale {locale} has fewer than {count} distinct cities")


def render_lines(name: str, entries: Iterable[str]) -> str:
    """Sorted, one per line, failing on duplicates or malformed entries."""
    items = list(entries)
    for entry in items:
        check_entry(entry, name)
    if duplicates := sorted(entry for entry, n in Counter(items).items() if n > 1):
        raise ValueError(f"{name}: duplicate entries {duplicates!r}")
    return "".join(f"{entry}\n" for entry in sorted(items))


def render_pairs(name: str, pairs: Iterable[tuple[str, str]]) -> str:
    """``key<TAB>word`` lines sorted by (key, word), failing on duplicates or bad entries."""
    rows = list(pairs)
    for key, word in rows:
        check_entry(key, name)
        check_entry(word, name)
    if duplicates := sorted(row for row, n in Counter(rows).items() if n > 1):
        raise ValueError(f"{name}: duplicate rows {duplicates!r}")
    return "".join(f"{key}\t{word}\n" for key, word in sorted(rows))


def city_pairs() -> list[tuple[str, str]]:
    """Every (country, city) pair, from Faker where it has real cities, else curated."""
    overlap = set(FAKER_CITY_LOCALES) & set(CURATED_CITIES)
    if overlap:
        raise ValueError(f"countries both curated and taken from Faker: {sorted(overlap)}")
    by_country: dict[str, Sequence[str]] = dict(CURATED_CITIES)
    for country, (locale, count) in FAKER_CITY_LOCALES.items():
        by_country[country] = faker_cities(locale, count)
    if missing := set(REQUIRED_COUNTRIES) - set(by_country):
        raise ValueError(f"no cities for {sorted(missing)}")
    if extra := set(by_country) - set(REQUIRED_COUNTRIES):
        raise ValueError(f"cities for unexpected countries {sorted(extra)}")
    return [(country, city) for country, cities in by_country.items() for city in cities]


def gendered_names() -> list[tuple[str, str]]:
    """(gender, first name): Faker's female names under F, its male names under M (a name
    it lists as both is under both) and its non-binary ones under X (Faker lists every
    name there, so a non-binary customer may carry any name)."""
    pairs = [("F", name) for name in faker_person_names("first_names_female")]
    pairs += [("M", name) for name in faker_person_names("first_names_male")]
    return pairs + [("X", name) for name in faker_person_names("first_names_nonbinary")]


def build_files() -> dict[str, str]:
    """File name -> full text for every vocabulary file."""
    return {
        "first_names.txt": render_lines("first_names", faker_person_names("first_names")),
        "last_names.txt": render_lines("last_names", faker_person_names("last_names")),
        "cities.tsv": render_pairs("cities", city_pairs()),
        "brands.txt": render_lines("brands", BRANDS),
        "product_adjectives.txt": render_lines("product_adjectives", PRODUCT_ADJECTIVES),
        "first_names_by_gender.tsv": render_pairs("first_names_by_gender", gendered_names()),
        "product_adjectives_by_category.tsv": render_pairs(
            "product_adjectives_by_category",
            [(cat, adj) for cat, adjs in PRODUCT_ADJECTIVES_BY_CATEGORY.items() for adj in adjs],
        ),
        "product_nouns.tsv": render_pairs(
            "product_nouns",
            [(cat, noun) for cat, nouns in PRODUCT_NOUNS.items() for noun in nouns],
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="only report files that differ; exit 1 if any"
    )
    args = parser.parse_args(argv)
    stale: list[str] = []
    for file_name, text in build_files().items():
        path = VOCAB_DIR / file_name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(file_name)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {path} ({text.count(chr(10))} entries)")
    if args.check and stale:
        print(f"stale vocabulary files: {', '.join(stale)}", file=sys.stderr)
        return 1
    if not stale:
        print("vocabulary files are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
