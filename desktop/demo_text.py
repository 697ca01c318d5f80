"""The demo's word pools and plans: original sentences, names and proportions (no code).

Every sentence here is original to this project; facts and figures echo the
kind of reporting a desk covers, never its wording. ``desktop.demo`` draws the
sample claims, sources, links and history from these lists.
"""

from __future__ import annotations

from datetime import date

# (town, region tag)
PLACES = [
    ("Lashio", "Shan"), ("Hsipaw", "Shan"), ("Kyaukme", "Shan"), ("Laukkai", "Shan"), ("Muse", "Shan"),
    ("Kutkai", "Shan"), ("Namhsan", "Shan"), ("Nawnghkio", "Shan"), ("Pekon", "Shan"),
    ("Myawaddy", "Karen"), ("Hpa-an", "Karen"), ("Kawkareik", "Karen"),
    ("Kalay", "Sagaing"), ("Tamu", "Sagaing"), ("Monywa", "Sagaing"), ("Depayin", "Sagaing"),
    ("Yinmabin", "Sagaing"), ("Pale", "Sagaing"), ("Sagaing", "Sagaing"),
    ("Hakha", "Chin"), ("Falam", "Chin"), ("Mindat", "Chin"), ("Thantlang", "Chin"), ("Matupi", "Chin"),
    ("Hpakant", "Kachin"), ("Bhamo", "Kachin"), ("Myitkyina", "Kachin"),
    ("Mogok", "Mandalay"), ("Madaya", "Mandalay"),
    ("Paletwa", "Rakhine"), ("Kyauktaw", "Rakhine"), ("Mrauk-U", "Rakhine"), ("Maungdaw", "Rakhine"),
    ("Loikaw", "Karenni"), ("Demoso", "Karenni"), ("Hpasawng", "Karenni"),
    ("Dawei", "Tanintharyi"), ("Launglon", "Tanintharyi"),
    ("Gangaw", "Magway"), ("Pauk", "Magway"), ("Myaing", "Magway"), ("Magway", "Magway"),
    ("Taungoo", "Bago"),
]
COUNTRIES = ["India", "Thailand", "Bangladesh", "China", "Laos"]

GROUPS = [
    "Northern Hills Defence Army", "Chindwin Valley Resistance Force", "Eastern Plateau Liberation Front",
    "Salween People's Army", "Kaladan Brigade", "Southern Coast Defence Force", "United Uplands Alliance",
    "Red River Column", "Tenasserim Volunteer Battalion", "Western Ranges Defence Force",
]
OUTLETS = [
    ("Frontier Ledger", "frontierledger.example"), ("Chindwin Daily", "chindwindaily.example"),
    ("Mountain Voice Radio", "mountainvoice.example"), ("Delta Morning Post", "deltamorningpost.example"),
    ("Border Watch News", "borderwatch.example"), ("Upland Tribune", "uplandtribune.example"),
    ("Salween Post", "salweenpost.example"), ("The Valley Observer", "valleyobserver.example"),
]
WIRES = [
    ("Continental Press Agency", "continentalpress.example"), ("Meridian Wire", "meridianwire.example"),
    ("Asia Desk News Service", "asiadesk.example"),
]
MINISTRIES = [
    "Ministry of Information", "Ministry of Home Affairs", "Ministry of Defence", "Ministry of Health",
    "Ministry of Foreign Affairs", "Ministry of Social Welfare, Relief and Resettlement",
    "Ministry of Electricity and Energy", "Ministry of Commerce",
]
MILITARY = [
    ("Maj. Gen. Kyaw Tun Oo, military spokesman", "person"),
    ("Military Information Team", "organisation"),
    ("Regional Command Headquarters", "organisation"),
    ("Border Guard Command", "organisation"),
]
LOCALS = [
    ("Township relief committee", "organisation"), ("Local residents (unnamed)", "unknown"),
    ("Village administrator", "person"), ("Naw Paw Htoo, relief coordinator", "person"),
    ("Salai Van Lian, township administrator", "person"), ("Dr. Hnin Wai, township health officer", "person"),
    ("Rights Monitor Network", "organisation"), ("Displaced Persons Support Group", "organisation"),
    ("Teachers' strike committee", "organisation"), ("Unattributed social media account", "unknown"),
]
SPOKES = ["Ko Thura", "Ma Ei Phyu", "Saw Eh Doh", "Khun Aung", "Salai Thang", "Ko Min Khant"]

# Claimants in other scripts: (name, kind).
MY_CLAIMANTS = [
    ("ဒေသခံသတင်းဌာန", "organisation"),  # a local news agency
    ("တော်လှန်ရေးတပ်ဖွဲ့ ပြောရေးဆိုခွင့်ရှိသူ", "person"),  # a resistance spokesperson
    ("စစ်ကောင်စီ ပြန်ကြားရေးအဖွဲ့", "organisation"),  # the junta's information team
]
AR_CLAIMANTS = [
    ("المتحدث باسم وزارة الدفاع", "person"),  # the defence ministry's spokesman
    ("شبكة الرصد الميدانية", "organisation"),  # a field monitoring network
    ("وكالة الأنباء المحلية", "organisation"),  # the local news agency
]

# Placeholders: {n} a count, {n2} a small count, {p} a place, {d} a day,
# {m} a month, {m0} the month before, {o} an outlet, {g} an armed group,
# {c} a country, {pct} a percentage, {h} hours, {y} a year.
# (text, short text or "", claimant category, tags)
EN_TEMPLATES = [
    ("At least {n} soldiers and police surrendered in {p} township within three weeks, according to figures "
     "compiled by {o}.", "{n} soldiers and police surrendered in {p} in three weeks", "outlet", ("surrenders",)),
    ("{g} said it had captured {n2} military outposts around {p} since {d}.",
     "{g} says it took {n2} outposts near {p}", "group", ("territorial control",)),
    ("An airstrike on a village near {p} on {d} killed {n2} civilians, including children, local residents said.",
     "Airstrike near {p} killed {n2} civilians", "local", ("airstrikes", "casualties")),
    ("{n} troops crossed the border into {c} after fighting near {p}, a wire agency reported.",
     "{n} troops fled into {c} after fighting near {p}", "wire", ("border", "surrenders")),
    ("More than {n} people have fled their homes in {p} township since {d}.",
     "Over {n} people displaced in {p} since {d}", "local", ("displacement",)),
    ("The ministry said {n} tonnes of rice reached displaced families in {p} during {m}.",
     "{n} tonnes of rice delivered to {p} in {m}", "ministry", ("humanitarian aid", "rice")),
    ("Mobile internet in {p} has been cut off for {n2} consecutive days.",
     "{p} without mobile internet for {n2} days", "outlet", ("internet shutdown",)),
    ("{n2} schools in {p} township closed after shelling in {m}.", "", "local", ("education", "shelling")),
    ("A convoy of {n2} fuel trucks was turned back at the {p} checkpoint on {d}.",
     "{n2} fuel trucks turned back at {p} checkpoint", "outlet", ("fuel", "checkpoints")),
    ("The military spokesman said no civilians were harmed in the operation near {p} on {d}.",
     "No civilians harmed near {p}, military says", "military", ("casualties", "official denials")),
    ("{g} claimed that {n} new recruits completed training in {m}.",
     "{g}: {n} recruits trained in {m}", "group", ("recruitment",)),
    ("Over {n2} people were injured by landmines in {p} and nearby villages in {m}.",
     "{n2} landmine injuries around {p} in {m}", "local", ("landmines", "casualties")),
    ("The price of cooking oil in the {p} market rose by {pct} percent between {m0} and {m}.",
     "Cooking oil up {pct}% in {p}", "outlet", ("prices",)),
    ("Authorities in {p} arrested {n2} people on {d} for sharing posts about the fighting.",
     "{n2} arrested in {p} over posts about fighting", "local", ("arrests", "free expression")),
    ("The bridge linking {p} to the highway was destroyed on {d}, cutting the main supply route.",
     "{p} bridge destroyed, supply route cut", "outlet", ("infrastructure",)),
    ("{n} prisoners were released from {p} prison under an amnesty announced on {d}.",
     "{n} prisoners freed in {p} amnesty", "ministry", ("prisoners", "amnesty")),
    ("Electricity in {p} has been limited to {h} hours a day since {m}.",
     "{p} gets {h} hours of power a day", "ministry", ("electricity",)),
    ("{n2} health workers in {p} were detained after treating wounded fighters, a rights group said.",
     "{n2} health workers detained in {p}", "local", ("health", "arrests")),
    ("Camps for displaced people near {p} received no food deliveries for {n2} days in {m}.",
     "No food for {n2} days in camps near {p}", "local", ("humanitarian aid", "displacement")),
    ("A video shared on {d} shows troops entering {p} after the announced ceasefire.",
     "Video shows troops entering {p} after ceasefire", "local", ("video", "ceasefire")),
    ("The ceasefire in {p} took effect on {d} and has held since, the ministry said.",
     "{p} ceasefire holding since {d}, ministry says", "ministry", ("ceasefire",)),
    ("{g} denied any role in the explosion at the {p} market on {d}.",
     "{g} denies role in {p} market blast", "group", ("official denials", "explosions")),
    ("About {n} homes in {p} burned down during the clashes of {m}.",
     "{n} homes burned in {p} in {m}", "outlet", ("arson", "displacement")),
    ("{n} conscripts deserted from units based around {p} in {m}, according to {o}.",
     "{n} conscripts deserted near {p} in {m}", "outlet", ("conscription", "desertions")),
    ("The number of displaced people in {p} township reached {n} by the end of {m}, the relief office said.",
     "{n} displaced in {p} by end of {m}", "local", ("displacement", "statistics")),
    ("The junta spokesman declined to comment on reports that {n2} aircraft were grounded at {p} in {m}.",
     "", "military", ("air force",)),
    ("{g} said {n2} of its fighters were killed in the battle for {p} in {m}, far fewer than the army claims.",
     "{g} admits {n2} fighters killed at {p}", "group", ("casualties", "competing figures")),
    ("Voter lists for {p} township include {n} people who left the area before {y}, {o} found.",
     "{p} voter lists include {n} departed residents", "outlet", ("elections", "statistics")),
]

CONTEXTS = [
    "The figure comes from a single post on the group's channel; no independent count was available yet.",
    "Phone lines to {p} have been down since {m0}, so local confirmation is slow.",
    "Earlier reports by the same outlet gave a lower number for the same period.",
    "The ministry's figures usually cover the whole region, not just {p} township.",
    "Two of our contacts in {p} describe the same events but disagree on the dates.",
    "Satellite imagery for {m} is cloudy over {p}; a clear pass is expected next week.",
    "Journalists have not been able to enter {p} since {m0}.",
    "The claim spread widely after it was quoted in a televised briefing on {d}.",
    "Numbers in the original post were edited twice after publication.",
    "The relief office publishes its tallies with a delay of about a month.",
]

EXPLANATIONS = {
    "true": ["Hospital, relief office and independent counts all agree with the figure.",
             "Two independent sources on the ground and the official bulletin confirm the claim."],
    "mostly_true": ["The event happened as described, but the number is rounded up from the documented total.",
                    "Correct in substance; the date given is one day off."],
    "misleading": ["The number is accurate but covers the whole region, not the township named.",
                   "The footage is real but was filmed months earlier and in another place."],
    "false": ["Records from the township contradict the claim, and the cited source says something else.",
              "The video predates the events it is said to show; the original upload is from the year before."],
    "unverified": ["No independent source could confirm or refute the figure; access to the area is cut off.",
                   "The only account comes from the claimant; we could reach no one else in the area."],
    "not_checkable": ["A statement of intent about the future, not a checkable fact.",
                      "An opinion about the conduct of the war rather than a factual claim."],
}

QUOTES = {
    "supports": [
        "Our field team counted {n} people at the reception site in {p}.",
        "In a statement dated {d}, the office confirmed a figure of {n}.",
        "Satellite images taken in {m} show burned structures consistent with the account.",
        "Staff at the clinic in {p} told us they had treated {n2} patients from the area that week.",
        "The log lists {n2} entries for {d}, matching the number reported.",
    ],
    "refutes": [
        "Hospital records list {n2} admissions that day, none of them from {p}.",
        "The footage first appeared online in {m0}, before the events it is said to show.",
        "The ministry's own bulletin for {m} gives a far smaller figure.",
        "Residents of {p} reached by phone said the road was open throughout {m}.",
        "The photo is from another district; its original caption names a different town.",
    ],
    "context": [
        "Before the fighting, {p} township had roughly {n} registered households.",
        "Access to {p} has been restricted for reporters since {m0}.",
        "The relief office changed how it counts displaced families in {m0}.",
        "Similar figures circulated after the clashes of the previous year.",
    ],
    "appearance": [
        "{n} surrendered in {p}, the post says, without naming a source.",
        "Speaking to reporters on {d}, the spokesman repeated the figure.",
        "The claim appears in the third paragraph of the article, attributed to local sources.",
        "A widely shared graphic states the number without any date or source.",
    ],
}
NOTES = [
    "Quote translated by the desk.", "Checked against the archived copy.", "Figure appears in a table, not the text.",
    "Second-hand account; the author was not in {p}.", "Timestamp refers to the full recording.",
]

# (name in Burmese, name in English, region tag)
MY_PLACES = [
    ("စစ်ကိုင်း", "Sagaing", "Sagaing"), ("မကွေး", "Magway", "Magway"), ("လားရှိုး", "Lashio", "Shan"),
    ("မြဝတီ", "Myawaddy", "Karen"), ("ကလေး", "Kalay", "Sagaing"), ("ဟားခါး", "Hakha", "Chin"),
    ("မိုးကုတ်", "Mogok", "Mandalay"), ("ဗန်းမော်", "Bhamo", "Kachin"), ("လွိုင်ကော်", "Loikaw", "Karenni"),
]
MY_MONTHS = ["ဇန်နဝါရီ", "ဖေဖော်ဝါရီ", "မတ်", "ဧပြီ", "မေ", "ဇွန်", "ဇူလိုင်", "ဩဂုတ်", "စက်တင်ဘာ",
             "အောက်တိုဘာ", "နိုဝင်ဘာ", "ဒီဇင်ဘာ"]
MY_DIGITS = str.maketrans("0123456789", "၀၁၂၃၄၅၆၇၈၉")
# Written for Claimlog; English sense in the comment after each.
MY_TEMPLATES = [
    ("{p}မြို့နယ်တွင် စစ်ကောင်စီတပ်သား {n} ဦး လက်နက်ချခဲ့သည်ဟု ဒေသခံသတင်းဌာနက ဖော်ပြသည်။",
     ("surrenders",)),  # a local outlet reports {n} junta soldiers surrendered in {p} township
    ("{d}က {p}အနီးရှိ ကျေးရွာတစ်ရွာကို လေကြောင်းမှ တိုက်ခိုက်ရာ အရပ်သား {n2} ဦး သေဆုံးခဲ့သည်။",
     ("airstrikes", "casualties")),  # on {d} an air attack on a village near {p} killed {n2} civilians
    ("{p}ဒေသမှ လူဦးရေ {n} ဦးကျော် နေအိမ်များကို စွန့်ခွာ ထွက်ပြေးခဲ့ရသည်။",
     ("displacement",)),  # more than {n} people from around {p} had to leave their homes
    ("တော်လှန်ရေးတပ်ဖွဲ့များက {p}အနီးရှိ စစ်စခန်း {n2} ခုကို သိမ်းပိုက်ပြီးဖြစ်ကြောင်း ကြေညာသည်။",
     ("territorial control",)),  # resistance forces say they have taken {n2} army camps near {p}
    ("{p}တွင် မိုဘိုင်းအင်တာနက် ဖြတ်တောက်ထားသည်မှာ ရက်ပေါင်း {n2} ရက် ရှိပြီဖြစ်သည်။",
     ("internet shutdown",)),  # mobile internet in {p} has been cut for {n2} days
    ("{p}ဈေးတွင် ဆန်တစ်အိတ်ဈေး {pct} ရာခိုင်နှုန်း မြင့်တက်သွားသည်။",
     ("prices", "rice")),  # the price of a sack of rice at the {p} market rose {pct} percent
]

# (name in Arabic, name in English)
AR_PLACES = [("حلب", "Aleppo"), ("إدلب", "Idlib"), ("الحسكة", "Hasakah"), ("دير الزور", "Deir ez-Zor"),
             ("الفاشر", "El Fasher"), ("نيالا", "Nyala"), ("الخرطوم", "Khartoum"), ("مأرب", "Marib"),
             ("تعز", "Taiz"), ("الحديدة", "Hodeidah"), ("الرقة", "Raqqa"), ("كادقلي", "Kadugli")]
AR_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
             "نوفمبر", "ديسمبر"]
AR_TEMPLATES = [
    ("قال متحدث باسم وزارة الدفاع إن {n2} مدنيين قتلوا في قصف استهدف {p} يوم {d}.",
     ("airstrikes", "casualties")),  # a defence ministry spokesman says {n2} civilians died in shelling of {p}
    ("أفادت مصادر محلية بنزوح أكثر من {n} عائلة من {p} خلال الأسبوع الماضي.",
     ("displacement",)),  # local sources report over {n} families displaced from {p} last week
    ("أعلنت جماعة مسلحة سيطرتها على {n2} مواقع عسكرية قرب {p}.",
     ("territorial control",)),  # an armed group announced it controls {n2} military positions near {p}
    ("وصلت {n2} شاحنة محملة بالمساعدات الغذائية إلى {p} عبر المعبر الحدودي في {m}.",
     ("humanitarian aid",)),  # {n2} trucks of food aid reached {p} through the border crossing in {m}
    ("انقطعت الكهرباء عن أحياء واسعة في {p} لمدة {h} ساعة متواصلة بحسب السكان.",
     ("electricity",)),  # residents say large parts of {p} had no power for {h} hours
    ("ارتفع سعر الخبز في أسواق {p} بنسبة {pct} بالمئة منذ بداية {m}.",
     ("prices",)),  # the price of bread in {p} markets rose {pct} percent since the start of {m}
]

EXTRA_TAGS = ["fact-check request", "viral", "old footage", "misattributed", "satellite imagery", "propaganda",
              "statistics", "follow-up", "translation needed"]

CHECKERS = ["Thiri Aung", "Kyaw Zin", "Mariam Haddad", "Daniel Okoro", "Su Mon", "Hassan Idris", "Aye Chan",
            "Lena Brandt", "Nilar Win", "Omar Saleh"]
EDITORS = ["Moe Thida (editor)", "Rania Fares (editor)", "Peter Lindqvist (editor)"]
HOLD_REASONS = ["Waiting for the relief office's monthly figures.", "Need a second opinion on the footage.",
                "Contact in the township unreachable.", ""]
CANCEL_REASONS = ["Duplicate of a claim already logged.", "Out of scope for the desk.",
                  "Opinion rather than a checkable statement.", "Claim withdrawn by the outlet before we started."]
REOPEN_REASONS = ["The ministry published a corrected figure.", "A reader sent the original upload of the video.",
                  "New hospital records change the count."]
CORRECTION_REASONS = ["Correction after new records came to light.", "Corrected: the earlier verdict relied on a "
                      "misread table."]

# Source kinds: (kind, weight, title templates, publisher kind)
SOURCE_SPECS = [
    ("news_article", 30, ["{n} flee {p} as fighting spreads", "Residents of {p} describe a week of shelling",
                          "Aid convoys stalled outside {p}", "Resistance forces claim gains near {p}",
                          "Army denies civilian deaths in {p} strike", "In {p}, schools stay shut as clashes go on",
                          "Fuel shortages bite in {p}", "What we know about the fighting in {p}"], "outlet"),
    ("official_statement", 12, ["Statement on the security situation in {p} township",
                                "Press release on humanitarian deliveries, {m}",
                                "Announcement No. {n2}/{y} concerning {p}", "Briefing notes of {d} {y}"], "ministry"),
    ("social_post", 16, ["Post by the {g} channel, {d} {y}", "Video post showing a convoy near {p}",
                         "Photo thread on damage in {p}", "Livestream clip from {p}, {d}"], "group"),
    ("report", 10, ["Displacement update: {r} region, {m}", "Protection monitoring report, {m}",
                    "Explosive ordnance snapshot, {m}", "Rapid needs assessment for {p} township"], "agency"),
    ("dataset", 5, ["Conflict events dataset, {y}", "Displacement figures by township, {m}",
                    "Market price monitor, {m}"], "agency"),
    ("interview", 8, ["Interview with a relief worker in {p}", "Phone interview with a resident of {p}",
                      "Interview with a former soldier who left his unit near {p}"], "desk"),
    ("document", 7, ["Internal order from the {p} regional command", "Detainee list from {p} prison",
                     "Township hospital admission log, {m}"], "desk"),
    ("web_page", 8, ["{p} township profile", "Checkpoints and road conditions around {p}", "About the {g}"], "agency"),
    ("other", 4, ["Radio broadcast transcript, {d} {y}", "Photograph of a notice board in {p}"], "outlet"),
]
MY_SOURCE_TITLES = ["{p} ဒေသ စစ်ရေးအခြေအနေ သတင်း", "{p}မှ ဒုက္ခသည်များ၏ အသံ"]  # fighting news; voices of the displaced
AR_SOURCE_TITLES = ["تقرير ميداني عن الأوضاع في {p}", "شهادات من سكان {p}"]  # field report; residents' testimony
AGENCIES = [("UN Relief Coordination Office", "reliefoffice.example"),
            ("Township Displacement Monitor", "displacementmonitor.example"),
            ("Open Conflict Data Project", "openconflictdata.example"),
            ("Regional Market Watch", "marketwatch.example")]
DESK = [("Our desk", None), ("Obtained by the desk", None)]
SOURCE_NOTES = ["Paywalled; the desk keeps a saved copy.", "Author is a long-standing local stringer.",
                "Figures in the table differ from the text.", "Translated from Burmese by the desk.",
                "The page was edited after publication.", "Shared by a contact who asked not to be named."]
CREDIBILITY_BY_KIND = {
    "news_article": ("credible", "credible", "partly_credible", "unrated"),
    "official_statement": ("partly_credible", "not_credible", "unrated", "credible"),
    "social_post": ("not_credible", "partly_credible", "unrated", "unrated"),
    "report": ("credible", "credible", "unrated"),
    "dataset": ("credible", "credible", "partly_credible"),
    "interview": ("credible", "partly_credible", "unrated"),
    "document": ("partly_credible", "credible", "unrated"),
    "web_page": ("unrated", "partly_credible", "credible"),
    "other": ("unrated", "not_credible", "partly_credible"),
}
LOCATORS = ["", "", "", "p. 2", "p. 4", "p. 11", "para. 3", "para. 7", "table 2", "00:01:42", "00:12:05", "slide 5"]

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]

EPOCH = date(2023, 1, 1)
SPAN_DAYS = 1200  # claims are spread over about three and a quarter years (all in the past)
DAY = 86_400

STATUS_PLAN = [  # (cumulative probability, plan): a desk logs far more claims than it can check
    (0.36, "unstarted"), (0.53, "in_progress"), (0.57, "on_hold"), (0.64, "needs_review"), (0.86, "final"),
    (0.875, "reopened"), (0.885, "corrected"), (1.0, "cancelled"),
]
VERDICT_PLAN = [(0.34, "false"), (0.54, "misleading"), (0.69, "true"), (0.81, "mostly_true"),
                (0.95, "unverified"), (1.0, "not_checkable")]
