"""Bilingual content of the demo workshop, taken from Cambodia's AI Readiness Assessment report.

The UNESCO Readiness Assessment Methodology (RAM) was carried out in Cambodia by the Cambodia
Academy of Digital Technology (CADT) with UNESCO and the Ministry of Post and Telecommunications
(MPTC). Its findings cover five dimensions and its recommendations fall under five pillars
(16 recommendations in all). This module holds that content as plain data, in English and in
formal Khmer, for ``flask consult seed-demo`` to turn into an event, sections, items and rounds.

Khmer terms follow ``translations/GLOSSARY.md``. Numbers inside Khmer prose use Khmer digits,
as in Royal Government documents.
"""

from __future__ import annotations

EVENT = {
    "title_en": "Cambodia AI Readiness Assessment — National Validation Workshop",
    # Official order: the workshop first, then what it is about (ស្តីពី…).
    "title_km": (
        "សិក្ខាសាលាបញ្ជាក់សុពលភាពថ្នាក់ជាតិ ស្តីពីលទ្ធផលនៃការវាយតម្លៃភាពត្រៀមខ្លួនរបស់កម្ពុជា"
        "សម្រាប់បញ្ញាសិប្បនិម្មិត"
    ),
    "description_en": (
        "This national workshop brings together government, academia, industry and civil "
        "society to validate the findings and recommendations of Cambodia's Artificial "
        "Intelligence Readiness Assessment, carried out with UNESCO's Readiness Assessment "
        "Methodology (RAM) by the Cambodia Academy of Digital Technology (CADT) in collaboration "
        "with UNESCO and the Ministry of Post and Telecommunications (MPTC). Participants say how "
        "far they agree with the findings for each of the five dimensions and how high a "
        "priority each of the 16 recommendations should be. The validated results will inform "
        "the National AI Strategy."
    ),
    "description_km": (
        "សិក្ខាសាលាថ្នាក់ជាតិនេះ ប្រមូលផ្តុំតំណាងរាជរដ្ឋាភិបាល គ្រឹះស្ថានសិក្សា វិស័យឯកជន "
        "និងសង្គមស៊ីវិល ដើម្បីបញ្ជាក់សុពលភាពលើលទ្ធផលរកឃើញ និងអនុសាសន៍នៃការវាយតម្លៃ"
        "ភាពត្រៀមខ្លួនរបស់កម្ពុជាសម្រាប់បញ្ញាសិប្បនិម្មិត (AI) ដែលបណ្ឌិត្យសភាបច្ចេកវិទ្យាឌីជីថលកម្ពុជា "
        "បានអនុវត្តដោយប្រើប្រាស់វិធីសាស្ត្រវាយតម្លៃភាពត្រៀមខ្លួន (RAM) របស់អង្គការយូណេស្កូ "
        "ក្នុងកិច្ចសហការជាមួយអង្គការយូណេស្កូ និងក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍។ "
        "អ្នកចូលរួមនឹងផ្តល់មតិអំពីកម្រិតនៃការយល់ស្របចំពោះលទ្ធផលរកឃើញនៃវិមាត្រនីមួយៗ "
        "ក្នុងចំណោមវិមាត្រទាំងប្រាំ និងកំណត់កម្រិតអាទិភាពនៃអនុសាសន៍នីមួយៗ ក្នុងចំណោម"
        "អនុសាសន៍ទាំង ១៦។ លទ្ធផលដែលបានបញ្ជាក់សុពលភាព នឹងរួមចំណែកដល់ការរៀបចំ"
        "យុទ្ធសាស្ត្រជាតិស្តីពីបញ្ញាសិប្បនិម្មិត។"
    ),
    "venue_en": "Phnom Penh",
    "venue_km": "រាជធានីភ្នំពេញ",
}

#: Participant sectors, in the order they are offered on the profile screen.
# The six default sectors of every event live in consult.events.operations.DEFAULT_SECTORS.

#: One agreement statement per RAM dimension, in the order of the report.
FINDINGS = {
    "title_en": "Findings of the assessment",
    "title_km": "លទ្ធផលរកឃើញនៃការវាយតម្លៃ",
    "round_title_en": "Findings — the five dimensions",
    "round_title_km": "លទ្ធផលរកឃើញ — វិមាត្រទាំងប្រាំ",
    "statements": [
        {
            "key": "F1",
            "dimension_en": "Legal and regulatory",
            "dimension_km": "ច្បាប់ និងបទប្បញ្ញត្តិ",
            "prompt_en": (
                "Cambodia's legal and regulatory framework for AI is taking shape, with a "
                "National AI Strategy and key data laws in preparation, but it does not yet "
                "cover AI procurement, liability for AI-related harms or access to open data."
            ),
            "prompt_km": (
                "ក្របខណ្ឌច្បាប់ និងបទប្បញ្ញត្តិសម្រាប់បញ្ញាសិប្បនិម្មិតនៅកម្ពុជាកំពុងចាប់ផ្តើមមានរូបរាង "
                "តាមរយៈការរៀបចំយុទ្ធសាស្ត្រជាតិស្តីពីបញ្ញាសិប្បនិម្មិត និងច្បាប់សំខាន់ៗពាក់ព័ន្ធនឹងទិន្នន័យ "
                "ប៉ុន្តែនៅមិនទាន់គ្របដណ្តប់លើលទ្ធកម្មបញ្ញាសិប្បនិម្មិត ការទទួលខុសត្រូវចំពោះការខូចខាត"
                "ដែលបង្កដោយបញ្ញាសិប្បនិម្មិត និងលទ្ធភាពទទួលបានទិន្នន័យបើកចំហនៅឡើយទេ។"
            ),
            "detail_en": (
                "Cambodia is developing a National AI Strategy and drafting a personal data "
                "protection law, a cybersecurity law, an access to information law and data "
                "governance policies. Challenges: a low Open Data Inventory (ODIN) score and "
                "limited open data, no regulations on AI procurement, and unclear liability "
                "for AI-related harms."
            ),
            "detail_km": (
                "កម្ពុជាកំពុងរៀបចំយុទ្ធសាស្ត្រជាតិស្តីពីបញ្ញាសិប្បនិម្មិត ព្រមទាំងកំពុងព្រាងច្បាប់ស្តីពី"
                "កិច្ចការពារទិន្នន័យផ្ទាល់ខ្លួន ច្បាប់ស្តីពីសន្តិសុខសាយប័រ ច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន "
                "និងគោលនយោបាយអភិបាលកិច្ចទិន្នន័យ។ បញ្ហាប្រឈម៖ ពិន្ទុបញ្ជីសារពើភណ្ឌទិន្នន័យបើកចំហ "
                "(ODIN) នៅទាប ទិន្នន័យបើកចំហនៅមានកម្រិត ពុំទាន់មានបទប្បញ្ញត្តិស្តីពីលទ្ធកម្ម"
                "បញ្ញាសិប្បនិម្មិត ហើយការទទួលខុសត្រូវចំពោះការខូចខាតដែលបង្កដោយបញ្ញាសិប្បនិម្មិត"
                "នៅមិនទាន់ច្បាស់លាស់។"
            ),
        },
        {
            "key": "F2",
            "dimension_en": "Social and cultural",
            "dimension_km": "សង្គម និងវប្បធម៌",
            "prompt_en": (
                "AI is already being put to good use in Cambodia, including for the Khmer "
                "language, but the gender gap in STEM and low public awareness of AI's risks "
                "must be addressed for its benefits to reach everyone."
            ),
            "prompt_km": (
                "បញ្ញាសិប្បនិម្មិតត្រូវបានយកមកប្រើប្រាស់រួចហើយនៅកម្ពុជា ដើម្បីផលប្រយោជន៍សង្គម "
                "រួមទាំងសម្រាប់ភាសាខ្មែរ ប៉ុន្តែដើម្បីឱ្យគ្រប់គ្នាទទួលបានអត្ថប្រយោជន៍ពីបច្ចេកវិទ្យានេះ "
                "ចាំបាច់ត្រូវដោះស្រាយគម្លាតយេនឌ័រក្នុងវិស័យវិទ្យាសាស្ត្រ បច្ចេកវិទ្យា វិស្វកម្ម "
                "និងគណិតវិទ្យា (STEM) ព្រមទាំងកម្រិតយល់ដឹងដែលនៅទាបរបស់សាធារណជនអំពីហានិភ័យនៃ"
                "បញ្ញាសិប្បនិម្មិត។"
            ),
            "detail_en": (
                "Cambodia promotes AI ethics and “AI for Good” initiatives such as the Khmer "
                "Braille project, an open-source Khmer large language model is being developed, "
                "and AI is applied in health, culture and finance. Challenges: a gender gap in "
                "STEM and digital fields that risks biased algorithms and limits innovation, and "
                "a need to raise public awareness of AI's benefits and risks (such as deepfakes "
                "and scams) and to protect children and vulnerable groups."
            ),
            "detail_km": (
                "កម្ពុជាកំពុងលើកកម្ពស់ក្រមសីលធម៌បញ្ញាសិប្បនិម្មិត និងគំនិតផ្តួចផ្តើម "
                "«បញ្ញាសិប្បនិម្មិតដើម្បីសុខុមាលភាពសង្គម» (AI for Good) ដូចជាគម្រោងអក្សរស្ទាបខ្មែរ "
                "ព្រមទាំងកំពុងអភិវឌ្ឍគំរូភាសាធំ (LLM) សម្រាប់ភាសាខ្មែរ ជាប្រភពកូដចំហ ហើយបញ្ញាសិប្បនិម្មិតត្រូវបានយកមក"
                "ប្រើប្រាស់ក្នុងវិស័យសុខាភិបាល វប្បធម៌ និងហិរញ្ញវត្ថុជាដើម។ បញ្ហាប្រឈម៖ គម្លាតយេនឌ័រ"
                "ក្នុងវិស័យ STEM និងបច្ចេកវិទ្យាឌីជីថល ដែលអាចនាំឱ្យមានក្បួនដោះស្រាយលម្អៀង "
                "និងរារាំងនវានុវត្តន៍ ព្រមទាំងតម្រូវការលើកកម្ពស់ការយល់ដឹងរបស់សាធារណជនអំពី"
                "អត្ថប្រយោជន៍ និងហានិភ័យនៃបញ្ញាសិប្បនិម្មិត (ដូចជាខ្លឹមសារក្លែងក្លាយ និងការបោកប្រាស់) "
                "និងការការពារកុមារ និងក្រុមងាយរងគ្រោះ។"
            ),
        },
        {
            "key": "F3",
            "dimension_en": "Scientific and educational",
            "dimension_km": "វិទ្យាសាស្ត្រ និងអប់រំ",
            "prompt_en": (
                "AI education and research in Cambodia are growing, but low spending on research "
                "and development, inadequate digital infrastructure in schools and universities, "
                "and curricula in need of updating are holding them back."
            ),
            "prompt_km": (
                "ការអប់រំ និងការស្រាវជ្រាវផ្នែកបញ្ញាសិប្បនិម្មិតនៅកម្ពុជាកំពុងរីកចម្រើន ប៉ុន្តែនៅជួប"
                "ឧបសគ្គ ដោយសារការចំណាយលើការស្រាវជ្រាវ និងអភិវឌ្ឍន៍នៅទាប ហេដ្ឋារចនាសម្ព័ន្ធ"
                "ឌីជីថលនៅតាមសាលារៀន និងសាកលវិទ្យាល័យនៅមិនទាន់គ្រប់គ្រាន់ ហើយកម្មវិធីសិក្សា"
                "ត្រូវការធ្វើបច្ចុប្បន្នភាព។"
            ),
            "detail_en": (
                "AI is a key priority of Cambodia's digital skills development roadmap; bachelor's "
                "and master's programmes and research in AI and data science are growing and "
                "include AI ethics, and students and lecturers in higher education use AI tools "
                "widely. Challenges: R&D expenditure is only 0.09% of GDP, many schools and "
                "universities lack adequate digital and AI infrastructure, and curricula need "
                "updating."
            ),
            "detail_km": (
                "បញ្ញាសិប្បនិម្មិតជាអាទិភាពសំខាន់មួយនៃផែនទីបង្ហាញផ្លូវអភិវឌ្ឍជំនាញឌីជីថលរបស់កម្ពុជា។ "
                "កម្មវិធីសិក្សាថ្នាក់បរិញ្ញាបត្រ និងអនុបណ្ឌិត ព្រមទាំងការស្រាវជ្រាវផ្នែកបញ្ញាសិប្បនិម្មិត "
                "និងវិទ្យាសាស្ត្រទិន្នន័យកំពុងកើនឡើង ដោយរួមបញ្ចូលទាំងក្រមសីលធម៌បញ្ញាសិប្បនិម្មិត "
                "ហើយនិស្សិត និងសាស្ត្រាចារ្យនៅគ្រឹះស្ថានឧត្តមសិក្សាប្រើប្រាស់ឧបករណ៍បញ្ញាសិប្បនិម្មិត"
                "យ៉ាងទូលំទូលាយ។ បញ្ហាប្រឈម៖ ការចំណាយលើការស្រាវជ្រាវ និងអភិវឌ្ឍន៍មានត្រឹមតែ "
                "០,០៩% នៃផលិតផលក្នុងស្រុកសរុប សាលារៀន និងសាកលវិទ្យាល័យជាច្រើននៅខ្វះ"
                "ហេដ្ឋារចនាសម្ព័ន្ធឌីជីថល និងបញ្ញាសិប្បនិម្មិតគ្រប់គ្រាន់ ហើយកម្មវិធីសិក្សាត្រូវការ"
                "ធ្វើបច្ចុប្បន្នភាព។"
            ),
        },
        {
            "key": "F4",
            "dimension_en": "Economic",
            "dimension_km": "សេដ្ឋកិច្ច",
            "prompt_en": (
                "AI is key to Cambodia's development goals and is already used in public services "
                "and the economy, but too little data and too little investment make it hard to "
                "measure and grow its economic contribution."
            ),
            "prompt_km": (
                "បញ្ញាសិប្បនិម្មិតជាកត្តាគន្លឹះសម្រាប់សម្រេចគោលដៅអភិវឌ្ឍន៍ជាតិរបស់កម្ពុជា ហើយកំពុង"
                "ត្រូវបានប្រើប្រាស់ក្នុងសេវាសាធារណៈ និងសេដ្ឋកិច្ច ប៉ុន្តែកង្វះទិន្នន័យ និងកង្វះការវិនិយោគ "
                "ធ្វើឱ្យពិបាកក្នុងការវាស់វែង និងពង្រីកការរួមចំណែករបស់បញ្ញាសិប្បនិម្មិតចំពោះសេដ្ឋកិច្ច។"
            ),
            "detail_en": (
                "Public-sector pilot projects such as TranslateKH and Sarika are under way, and "
                "AI applications are seen in finance, agriculture, tourism and MSMEs. Challenges: "
                "data on AI adoption, investment and labour-market impact is limited, and low R&D "
                "expenditure points to a lack of the investment a robust innovation ecosystem needs."
            ),
            "detail_km": (
                "គម្រោងសាកល្បងក្នុងវិស័យសាធារណៈ ដូចជា TranslateKH និង Sarika កំពុងដំណើរការ "
                "ហើយគេឃើញមានការប្រើប្រាស់បញ្ញាសិប្បនិម្មិតក្នុងវិស័យហិរញ្ញវត្ថុ កសិកម្ម ទេសចរណ៍ "
                "និងសហគ្រាសធុនមីក្រូ តូច និងមធ្យម។ បញ្ហាប្រឈម៖ ទិន្នន័យអំពីការប្រើប្រាស់"
                "បញ្ញាសិប្បនិម្មិត ការវិនិយោគ និងផលប៉ះពាល់លើទីផ្សារការងារនៅមានកម្រិត ហើយការចំណាយ"
                "លើការស្រាវជ្រាវ និងអភិវឌ្ឍន៍ដែលនៅទាប បង្ហាញពីកង្វះការវិនិយោគដែលចាំបាច់សម្រាប់"
                "ប្រព័ន្ធអេកូឡូស៊ីនវានុវត្តន៍ដ៏រឹងមាំ។"
            ),
        },
        {
            "key": "F5",
            "dimension_en": "Technical and infrastructural",
            "dimension_km": "បច្ចេកទេស និងហេដ្ឋារចនាសម្ព័ន្ធ",
            "prompt_en": (
                "Cambodia's connectivity is strong, but limited data centres and computing power, "
                "fragmented government systems and the complexity of processing the Khmer "
                "language are holding AI back."
            ),
            "prompt_km": (
                "ការតភ្ជាប់ឌីជីថលនៅកម្ពុជាមានភាពរឹងមាំ ប៉ុន្តែមជ្ឈមណ្ឌលទិន្នន័យ និងសមត្ថភាពគណនា"
                "ដែលនៅមានកម្រិត ប្រព័ន្ធឌីជីថលនៃស្ថាប័នរដ្ឋដែលនៅបែកខ្ញែកគ្នា និងភាពស្មុគស្មាញ"
                "នៃការដំណើរការភាសាខ្មែរ កំពុងរារាំងការអភិវឌ្ឍបញ្ញាសិប្បនិម្មិត។"
            ),
            "detail_en": (
                "Mobile and internet penetration is high, 4G coverage is widespread and access to "
                "electricity is nearly universal. Challenges: few data centres and little computing "
                "power, a Khmer script that is complex for natural language processing, fragmented "
                "government digital systems that hinder a unified national data platform, no "
                "representation in AI standardisation bodies, and weak statistical infrastructure."
            ),
            "detail_km": (
                "អត្រាប្រើប្រាស់ទូរស័ព្ទចល័ត និងអ៊ីនធឺណិតមានកម្រិតខ្ពស់ បណ្តាញ 4G គ្របដណ្តប់"
                "យ៉ាងទូលំទូលាយ ហើយប្រជាជនស្ទើរតែទាំងអស់មានលទ្ធភាពទទួលបានអគ្គិសនី។ បញ្ហាប្រឈម៖ "
                "មជ្ឈមណ្ឌលទិន្នន័យ និងសមត្ថភាពគណនានៅមានកម្រិត ភាពស្មុគស្មាញនៃអក្សរខ្មែរ"
                "ជាឧបសគ្គដល់ការអភិវឌ្ឍដំណើរការភាសាធម្មជាតិខ្មែរ ប្រព័ន្ធឌីជីថលនៃស្ថាប័នរដ្ឋ"
                "នៅបែកខ្ញែកគ្នា ដែលរារាំងការបង្កើតវេទិកាទិន្នន័យជាតិរួមមួយ កម្ពុជាពុំទាន់មាន"
                "តំណាងនៅក្នុងស្ថាប័នកំណត់ស្តង់ដារបញ្ញាសិប្បនិម្មិត ហើយហេដ្ឋារចនាសម្ព័ន្ធស្ថិតិ"
                "នៅមិនទាន់រឹងមាំ។"
            ),
        },
    ],
}

#: The five recommendation pillars of the report, each one round of priority items.
PILLARS = [
    {
        "key": "P1",
        "title_en": "Institutional Framework for AI Governance",
        "title_km": "ក្របខណ្ឌស្ថាប័នសម្រាប់អភិបាលកិច្ចបញ្ញាសិប្បនិម្មិត",
        "round_title_en": "Round 1 — Institutional framework",
        "round_title_km": "ជុំទី១ — ក្របខណ្ឌស្ថាប័ន",
        "recommendations": [
            {
                "key": "R1",
                "text_en": "Finalise and execute the National AI Strategy",
                "text_km": "បញ្ចប់ការរៀបចំ និងអនុវត្តយុទ្ធសាស្ត្រជាតិស្តីពីបញ្ញាសិប្បនិម្មិត",
                "detail_en": (
                    "Complete the National AI Strategy that MPTC is leading, building on the RAM "
                    "recommendations, and put it into practice through the roles the Royal "
                    "Government has set: MPTC for AI governance and infrastructure, MISTI for "
                    "research and development, and MoEYS for education."
                ),
                "detail_km": (
                    "បញ្ចប់ការរៀបចំយុទ្ធសាស្ត្រជាតិស្តីពីបញ្ញាសិប្បនិម្មិត ដែលស្ថិតក្រោមការដឹកនាំរបស់ក្រសួងប្រៃសណីយ៍ "
                    "និងទូរគមនាគមន៍ ដោយផ្អែកលើអនុសាសន៍នៃការវាយតម្លៃ RAM និងដាក់ឱ្យអនុវត្ត"
                    "តាមការបែងចែកតួនាទីដែលរាជរដ្ឋាភិបាលបានកំណត់៖ ក្រសួងប្រៃសណីយ៍ និងទូរគមនាគមន៍ "
                    "ទទួលបន្ទុកអភិបាលកិច្ច និងហេដ្ឋារចនាសម្ព័ន្ធបញ្ញាសិប្បនិម្មិត ក្រសួងឧស្សាហកម្ម "
                    "វិទ្យាសាស្ត្រ បច្ចេកវិទ្យា និងនវានុវត្តន៍ ទទួលបន្ទុកការស្រាវជ្រាវ និងអភិវឌ្ឍន៍ "
                    "និងក្រសួងអប់រំ យុវជន និងកីឡា ទទួលបន្ទុកការអប់រំ។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: finalise and execute the National AI Strategy?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការបញ្ចប់ការរៀបចំ និងការអនុវត្តយុទ្ធសាស្ត្រជាតិស្តីពី"
                    "បញ្ញាសិប្បនិម្មិត ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R2",
                "text_en": "Establish multistakeholder governance",
                "text_km": "បង្កើតយន្តការអភិបាលកិច្ចពហុភាគីពាក់ព័ន្ធ",
                "detail_en": (
                    "Set up a governance mechanism in which government, academia, industry and "
                    "civil society steer AI policy together and coordinate the AI work of all "
                    "ministries and institutions."
                ),
                "detail_km": (
                    "បង្កើតយន្តការអភិបាលកិច្ចមួយ ដែលរាជរដ្ឋាភិបាល គ្រឹះស្ថានសិក្សា វិស័យឯកជន "
                    "និងសង្គមស៊ីវិល រួមគ្នាដឹកនាំគោលនយោបាយបញ្ញាសិប្បនិម្មិត និងសម្របសម្រួល"
                    "ការងារបញ្ញាសិប្បនិម្មិតរបស់គ្រប់ក្រសួង-ស្ថាប័ន។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: establish multistakeholder governance?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការបង្កើតយន្តការអភិបាលកិច្ចពហុភាគីពាក់ព័ន្ធ ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R3",
                "text_en": "Strengthen international cooperation and standards adoption",
                "text_km": "ពង្រឹងកិច្ចសហប្រតិបត្តិការអន្តរជាតិ និងការទទួលយកស្តង់ដារ",
                "detail_en": (
                    "Deepen cooperation with international partners such as UNESCO and give "
                    "Cambodia a seat in AI standardisation bodies, where it is not yet "
                    "represented, so that international standards can be adopted and adapted "
                    "at home."
                ),
                "detail_km": (
                    "ពង្រីកកិច្ចសហប្រតិបត្តិការជាមួយដៃគូអន្តរជាតិ ដូចជាអង្គការយូណេស្កូ "
                    "និងធានាឱ្យកម្ពុជាមានតំណាងនៅក្នុងស្ថាប័នកំណត់ស្តង់ដារបញ្ញាសិប្បនិម្មិត "
                    "ដែលបច្ចុប្បន្នពុំទាន់មាន ដើម្បីអាចទទួលយក និងបន្សាំស្តង់ដារអន្តរជាតិ"
                    "ទៅនឹងបរិបទជាតិ។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: strengthen international cooperation and "
                    "standards adoption?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការពង្រឹងកិច្ចសហប្រតិបត្តិការអន្តរជាតិ និងការទទួលយកស្តង់ដារ "
                    "ជាអាទិភាពកម្រិតណា?"
                ),
            },
        ],
    },
    {
        "key": "P2",
        "title_en": "Laws and Regulations",
        "title_km": "ច្បាប់ និងបទប្បញ្ញត្តិ",
        "round_title_en": "Round 2 — Laws and regulations",
        "round_title_km": "ជុំទី២ — ច្បាប់ និងបទប្បញ្ញត្តិ",
        "recommendations": [
            {
                "key": "R4",
                "text_en": (
                    "Adapt regulations to integrate ethics of AI: enact the draft Law on Personal "
                    "Data Protection, Access to Information Law, and revise and update the "
                    "Procurement Law and Criminal Code"
                ),
                "text_km": (
                    "កែសម្រួលបទប្បញ្ញត្តិ ដើម្បីបញ្ចូលក្រមសីលធម៌បញ្ញាសិប្បនិម្មិត៖ អនុម័តសេចក្តីព្រាង"
                    "ច្បាប់ស្តីពីកិច្ចការពារទិន្នន័យផ្ទាល់ខ្លួន និងច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន "
                    "ព្រមទាំងពិនិត្យកែសម្រួល និងធ្វើបច្ចុប្បន្នភាពច្បាប់ស្តីពីលទ្ធកម្មសាធារណៈ និងក្រមព្រហ្មទណ្ឌ"
                ),
                "detail_en": (
                    "Write AI ethics into the legal framework: adopt the personal data protection "
                    "and access to information laws now in draft, and update procurement and "
                    "criminal law to cover the purchase of AI systems and liability for AI-related "
                    "harms, which are today unregulated or unclear."
                ),
                "detail_km": (
                    "បញ្ចូលក្រមសីលធម៌បញ្ញាសិប្បនិម្មិតទៅក្នុងក្របខណ្ឌច្បាប់៖ អនុម័តច្បាប់ស្តីពី"
                    "កិច្ចការពារទិន្នន័យផ្ទាល់ខ្លួន និងច្បាប់ស្តីពីសិទ្ធិទទួលបានព័ត៌មាន ដែលកំពុងស្ថិតក្នុង"
                    "ដំណាក់កាលព្រាង និងធ្វើបច្ចុប្បន្នភាពច្បាប់ស្តីពីលទ្ធកម្មសាធារណៈ និងក្រមព្រហ្មទណ្ឌ "
                    "ឱ្យគ្របដណ្តប់លើលទ្ធកម្មប្រព័ន្ធបញ្ញាសិប្បនិម្មិត និងការទទួលខុសត្រូវចំពោះការខូចខាត"
                    "ដែលបង្កដោយបញ្ញាសិប្បនិម្មិត ដែលបច្ចុប្បន្នពុំទាន់មានបទប្បញ្ញត្តិ ឬនៅមិនទាន់"
                    "ច្បាស់លាស់។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: adapt regulations to integrate ethics of AI "
                    "(personal data protection, access to information, procurement and criminal "
                    "law)?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការកែសម្រួលបទប្បញ្ញត្តិ ដើម្បីបញ្ចូលក្រមសីលធម៌បញ្ញាសិប្បនិម្មិត "
                    "(កិច្ចការពារទិន្នន័យផ្ទាល់ខ្លួន សិទ្ធិទទួលបានព័ត៌មាន លទ្ធកម្មសាធារណៈ "
                    "និងក្រមព្រហ្មទណ្ឌ) ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R5",
                "text_en": "Implement AI regulatory sandboxes",
                "text_km": (
                    "អនុវត្តក្របខណ្ឌសាកល្បងបទប្បញ្ញត្តិ (Regulatory Sandbox) សម្រាប់បញ្ញាសិប្បនិម្មិត"
                ),
                "detail_en": (
                    "Let innovators test AI products and services under a regulator's supervision "
                    "for a limited time, so that rules can be shaped by evidence before they are "
                    "fixed in law."
                ),
                "detail_km": (
                    "អនុញ្ញាតឱ្យអ្នកច្នៃប្រឌិតសាកល្បងផលិតផល និងសេវាបញ្ញាសិប្បនិម្មិត ក្រោមការត្រួតពិនិត្យ"
                    "របស់អាជ្ញាធរនិយ័តកម្ម ក្នុងរយៈពេលកំណត់មួយ ដើម្បីឱ្យការរៀបចំបទប្បញ្ញត្តិ"
                    "ផ្អែកលើភស្តុតាងជាក់ស្តែង មុនពេលចងក្រងជាច្បាប់។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: implement AI regulatory sandboxes?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការអនុវត្តក្របខណ្ឌសាកល្បងបទប្បញ្ញត្តិសម្រាប់បញ្ញាសិប្បនិម្មិត "
                    "ជាអាទិភាពកម្រិតណា?"
                ),
            },
        ],
    },
    {
        "key": "P3",
        "title_en": "Responsible AI, Inclusion and Well-being",
        "title_km": "បញ្ញាសិប្បនិម្មិតប្រកបដោយការទទួលខុសត្រូវ បរិយាប័ន្ន និងសុខុមាលភាព",
        "round_title_en": "Round 3 — Responsible AI, inclusion and well-being",
        "round_title_km": (
            "ជុំទី៣ — បញ្ញាសិប្បនិម្មិតប្រកបដោយការទទួលខុសត្រូវ បរិយាប័ន្ន និងសុខុមាលភាព"
        ),
        "recommendations": [
            {
                "key": "R6",
                "text_en": "Elaborate and deploy sectoral guidelines for an ethical use of AI",
                "text_km": (
                    "រៀបចំ និងដាក់ឱ្យអនុវត្តគោលការណ៍ណែនាំតាមវិស័យ សម្រាប់ការប្រើប្រាស់"
                    "បញ្ញាសិប្បនិម្មិតប្រកបដោយក្រមសីលធម៌"
                ),
                "detail_en": (
                    "Give each sector where AI is already in use, such as health, finance, "
                    "agriculture and education, practical guidance on using it ethically, in line "
                    "with the UNESCO Recommendation on the Ethics of AI."
                ),
                "detail_km": (
                    "ផ្តល់គោលការណ៍ណែនាំជាក់ស្តែងសម្រាប់ការប្រើប្រាស់បញ្ញាសិប្បនិម្មិតប្រកបដោយ"
                    "ក្រមសីលធម៌ ដល់វិស័យនីមួយៗដែលកំពុងប្រើប្រាស់បញ្ញាសិប្បនិម្មិតរួចហើយ ដូចជា"
                    "សុខាភិបាល ហិរញ្ញវត្ថុ កសិកម្ម និងអប់រំ ស្របតាមអនុសាសន៍របស់អង្គការយូណេស្កូ"
                    "ស្តីពីក្រមសីលធម៌នៃបញ្ញាសិប្បនិម្មិត។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: elaborate and deploy sectoral guidelines for an "
                    "ethical use of AI?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការរៀបចំ និងការដាក់ឱ្យអនុវត្តគោលការណ៍ណែនាំតាមវិស័យ "
                    "សម្រាប់ការប្រើប្រាស់បញ្ញាសិប្បនិម្មិតប្រកបដោយក្រមសីលធម៌ ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R7",
                "text_en": "Conduct public awareness campaigns",
                "text_km": "ធ្វើយុទ្ធនាការលើកកម្ពស់ការយល់ដឹងរបស់សាធារណជន",
                "detail_en": (
                    "Inform citizens about the benefits and risks of AI, including deepfakes and "
                    "scams, so that people can use AI with confidence and protect themselves."
                ),
                "detail_km": (
                    "ផ្តល់ព័ត៌មានដល់ប្រជាពលរដ្ឋអំពីអត្ថប្រយោជន៍ និងហានិភ័យនៃបញ្ញាសិប្បនិម្មិត "
                    "រួមទាំងខ្លឹមសារក្លែងក្លាយ (deepfake) និងការបោកប្រាស់ ដើម្បីឱ្យប្រជាពលរដ្ឋអាច"
                    "ប្រើប្រាស់បញ្ញាសិប្បនិម្មិតដោយទំនុកចិត្ត និងអាចការពារខ្លួនបាន។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: conduct public awareness campaigns?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការធ្វើយុទ្ធនាការលើកកម្ពស់ការយល់ដឹងរបស់សាធារណជន "
                    "ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R8",
                "text_en": "Protect and prepare children for an AI-powered world",
                "text_km": (
                    "ការពារ និងរៀបចំកុមារឱ្យត្រៀមខ្លួនសម្រាប់ពិភពលោកដែលជំរុញដោយបញ្ញាសិប្បនិម្មិត"
                ),
                "detail_en": (
                    "Protect children and other vulnerable groups from AI-related harms, and give "
                    "them, from school age, the skills to use AI safely and critically."
                ),
                "detail_km": (
                    "ការពារកុមារ និងក្រុមងាយរងគ្រោះផ្សេងទៀតពីការខូចខាតដែលបង្កដោយបញ្ញាសិប្បនិម្មិត "
                    "និងផ្តល់ជំនាញឱ្យពួកគេចាប់ពីវ័យសិក្សា ដើម្បីអាចប្រើប្រាស់បញ្ញាសិប្បនិម្មិតដោយ"
                    "សុវត្ថិភាព និងប្រកបដោយការគិតបែបរិះគន់។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: protect and prepare children for an AI-powered "
                    "world?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការការពារ និងការរៀបចំកុមារឱ្យត្រៀមខ្លួនសម្រាប់ពិភពលោក"
                    "ដែលជំរុញដោយបញ្ញាសិប្បនិម្មិត ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R9",
                "text_en": "Advance gender equality in the AI ecosystem",
                "text_km": "លើកកម្ពស់សមភាពយេនឌ័រក្នុងប្រព័ន្ធអេកូឡូស៊ីបញ្ញាសិប្បនិម្មិត",
                "detail_en": (
                    "Close the gender gap in STEM and digital technology, which risks biased "
                    "algorithms and limits innovation, by supporting women and girls to study, "
                    "work and lead in AI."
                ),
                "detail_km": (
                    "កាត់បន្ថយគម្លាតយេនឌ័រក្នុងវិស័យ STEM និងបច្ចេកវិទ្យាឌីជីថល ដែលអាចនាំឱ្យមាន"
                    "ក្បួនដោះស្រាយលម្អៀង និងរារាំងនវានុវត្តន៍ តាមរយៈការគាំទ្រស្ត្រី និងកុមារីឱ្យសិក្សា "
                    "ធ្វើការ និងដឹកនាំក្នុងវិស័យបញ្ញាសិប្បនិម្មិត។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: advance gender equality in the AI ecosystem?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការលើកកម្ពស់សមភាពយេនឌ័រក្នុងប្រព័ន្ធអេកូឡូស៊ីបញ្ញាសិប្បនិម្មិត "
                    "ជាអាទិភាពកម្រិតណា?"
                ),
            },
        ],
    },
    {
        "key": "P4",
        "title_en": "Infrastructure, Data, and Capacity Building",
        "title_km": "ហេដ្ឋារចនាសម្ព័ន្ធ ទិន្នន័យ និងការកសាងសមត្ថភាព",
        "round_title_en": "Round 4 — Infrastructure, data and capacity building",
        "round_title_km": "ជុំទី៤ — ហេដ្ឋារចនាសម្ព័ន្ធ ទិន្នន័យ និងការកសាងសមត្ថភាព",
        "recommendations": [
            {
                "key": "R10",
                "text_en": "Expand connectivity infrastructure",
                "text_km": "ពង្រីកហេដ្ឋារចនាសម្ព័ន្ធតភ្ជាប់",
                "detail_en": (
                    "Build on strong mobile, internet and 4G coverage by adding the data centres "
                    "and computing power AI needs, and by reaching the schools and universities "
                    "that still lack adequate digital infrastructure."
                ),
                "detail_km": (
                    "បន្តពង្រឹងសមិទ្ធផលនៃការគ្របដណ្តប់បណ្តាញទូរស័ព្ទចល័ត អ៊ីនធឺណិត និង 4G "
                    "ដោយបង្កើនមជ្ឈមណ្ឌលទិន្នន័យ និងសមត្ថភាពគណនាដែលបញ្ញាសិប្បនិម្មិតត្រូវការ "
                    "និងពង្រីកការតភ្ជាប់ដល់សាលារៀន និងសាកលវិទ្យាល័យដែលនៅខ្វះហេដ្ឋារចនាសម្ព័ន្ធ"
                    "ឌីជីថលគ្រប់គ្រាន់។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: expand connectivity infrastructure?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការពង្រីកហេដ្ឋារចនាសម្ព័ន្ធតភ្ជាប់ ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R11",
                "text_en": "Enhance data collection and data sharing ecosystem and policies",
                "text_km": (
                    "ពង្រឹងប្រព័ន្ធអេកូឡូស៊ី និងគោលនយោបាយស្តីពីការប្រមូល និងការចែករំលែកទិន្នន័យ"
                ),
                "detail_en": (
                    "Connect fragmented government systems into a unified national data platform, "
                    "open more public data, and collect the statistics on AI adoption, investment "
                    "and jobs that the assessment found missing."
                ),
                "detail_km": (
                    "តភ្ជាប់ប្រព័ន្ធឌីជីថលនៃស្ថាប័នរដ្ឋដែលនៅបែកខ្ញែកគ្នា ឱ្យទៅជាវេទិកាទិន្នន័យជាតិ"
                    "រួមមួយ បើកចំហទិន្នន័យសាធារណៈបន្ថែមទៀត និងប្រមូលទិន្នន័យស្ថិតិអំពីការប្រើប្រាស់"
                    "បញ្ញាសិប្បនិម្មិត ការវិនិយោគ និងការងារ ដែលការវាយតម្លៃបានរកឃើញថានៅខ្វះខាត។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: enhance data collection and data sharing "
                    "ecosystem and policies?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការពង្រឹងប្រព័ន្ធអេកូឡូស៊ី និងគោលនយោបាយស្តីពីការប្រមូល "
                    "និងការចែករំលែកទិន្នន័យ ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R12",
                "text_en": "Create and foster AI basic literacy",
                "text_km": "បង្កើត និងលើកកម្ពស់អក្ខរកម្មមូលដ្ឋានអំពីបញ្ញាសិប្បនិម្មិត",
                "detail_en": (
                    "Give every citizen, from pupils to civil servants, a basic understanding of "
                    "what AI is, what it can do and what its risks are, through schools and "
                    "public training."
                ),
                "detail_km": (
                    "ផ្តល់ឱ្យប្រជាពលរដ្ឋគ្រប់រូប ចាប់ពីសិស្សរហូតដល់មន្ត្រីរាជការ នូវការយល់ដឹង"
                    "ជាមូលដ្ឋានអំពីបញ្ញាសិប្បនិម្មិត សមត្ថភាព និងហានិភ័យរបស់វា តាមរយៈសាលារៀន "
                    "និងកម្មវិធីបណ្តុះបណ្តាលសាធារណៈ។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: create and foster AI basic literacy?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការបង្កើត និងការលើកកម្ពស់អក្ខរកម្មមូលដ្ឋានអំពី"
                    "បញ្ញាសិប្បនិម្មិត ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R13",
                "text_en": "Introduce progressive approach to strengthen AI skills",
                "text_km": "ដាក់ចេញអភិក្រមជាជំហានៗ ដើម្បីពង្រឹងជំនាញបញ្ញាសិប្បនិម្មិត",
                "detail_en": (
                    "Build AI skills step by step, from school curricula to university degrees and "
                    "professional training, updating curricula in line with the digital skills "
                    "development roadmap."
                ),
                "detail_km": (
                    "ពង្រឹងជំនាញបញ្ញាសិប្បនិម្មិតជាជំហានៗ ចាប់ពីកម្មវិធីសិក្សានៅសាលារៀន រហូតដល់"
                    "ថ្នាក់ឧត្តមសិក្សា និងការបណ្តុះបណ្តាលវិជ្ជាជីវៈ ព្រមទាំងធ្វើបច្ចុប្បន្នភាពកម្មវិធីសិក្សា"
                    "ស្របតាមផែនទីបង្ហាញផ្លូវអភិវឌ្ឍជំនាញឌីជីថល។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: introduce a progressive approach to strengthen "
                    "AI skills?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការដាក់ចេញអភិក្រមជាជំហានៗ ដើម្បីពង្រឹងជំនាញ"
                    "បញ្ញាសិប្បនិម្មិត ជាអាទិភាពកម្រិតណា?"
                ),
            },
        ],
    },
    {
        "key": "P5",
        "title_en": "Research, Development and Innovation Ecosystem",
        "title_km": "ប្រព័ន្ធអេកូឡូស៊ីនៃការស្រាវជ្រាវ អភិវឌ្ឍន៍ និងនវានុវត្តន៍",
        "round_title_en": "Round 5 — Research, development and innovation",
        "round_title_km": "ជុំទី៥ — ការស្រាវជ្រាវ អភិវឌ្ឍន៍ និងនវានុវត្តន៍",
        "recommendations": [
            {
                "key": "R14",
                "text_en": (
                    "Foster and increase investment and expenditure in research and development"
                ),
                "text_km": (
                    "ជំរុញ និងបង្កើនការវិនិយោគ និងការចំណាយលើការស្រាវជ្រាវ និងអភិវឌ្ឍន៍"
                ),
                "detail_en": (
                    "Raise public and private spending on research and development from today's "
                    "0.09% of GDP, the investment a robust AI innovation ecosystem needs."
                ),
                "detail_km": (
                    "បង្កើនការចំណាយរបស់រដ្ឋ និងវិស័យឯកជនលើការស្រាវជ្រាវ និងអភិវឌ្ឍន៍ ពីកម្រិត"
                    "បច្ចុប្បន្នត្រឹម ០,០៩% នៃផលិតផលក្នុងស្រុកសរុប ដែលជាការវិនិយោគចាំបាច់សម្រាប់"
                    "ប្រព័ន្ធអេកូឡូស៊ីនវានុវត្តន៍បញ្ញាសិប្បនិម្មិតដ៏រឹងមាំ។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: foster and increase investment and expenditure "
                    "in research and development?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការជំរុញ និងការបង្កើនការវិនិយោគ និងការចំណាយលើការស្រាវជ្រាវ "
                    "និងអភិវឌ្ឍន៍ ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R15",
                "text_en": "Create an AI resource centre",
                "text_km": "បង្កើតមជ្ឈមណ្ឌលធនធានបញ្ញាសិប្បនិម្មិត",
                "detail_en": (
                    "Pool computing power, datasets (including Khmer language resources) and "
                    "expertise in one national centre that researchers, start-ups and public "
                    "institutions can share."
                ),
                "detail_km": (
                    "ប្រមូលផ្តុំសមត្ថភាពគណនា សំណុំទិន្នន័យ (រួមទាំងធនធានភាសាខ្មែរ) និងអ្នកជំនាញ "
                    "ទៅក្នុងមជ្ឈមណ្ឌលជាតិតែមួយ ដែលអ្នកស្រាវជ្រាវ សហគ្រាសថ្មីថ្មោង និងស្ថាប័នសាធារណៈ "
                    "អាចប្រើប្រាស់រួមគ្នាបាន។"
                ),
                "priority_prompt_en": "How high a priority is this: create an AI resource centre?",
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការបង្កើតមជ្ឈមណ្ឌលធនធានបញ្ញាសិប្បនិម្មិត ជាអាទិភាពកម្រិតណា?"
                ),
            },
            {
                "key": "R16",
                "text_en": "Develop AI-focused sectoral policies",
                "text_km": "រៀបចំគោលនយោបាយតាមវិស័យដែលផ្តោតលើបញ្ញាសិប្បនិម្មិត",
                "detail_en": (
                    "Have each ministry set out, within its own competency, how AI will be "
                    "researched, developed and adopted in its sector, such as agriculture, health, "
                    "finance or tourism, as the Royal Government has asked of all ministries and "
                    "institutions."
                ),
                "detail_km": (
                    "ក្រសួង-ស្ថាប័ននីមួយៗ ត្រូវកំណត់ក្នុងក្របខណ្ឌសមត្ថកិច្ចរបស់ខ្លួន នូវរបៀបស្រាវជ្រាវ "
                    "អភិវឌ្ឍ និងប្រើប្រាស់បញ្ញាសិប្បនិម្មិតក្នុងវិស័យរបស់ខ្លួន ដូចជាកសិកម្ម សុខាភិបាល "
                    "ហិរញ្ញវត្ថុ ឬទេសចរណ៍ ស្របតាមភារកិច្ចដែលរាជរដ្ឋាភិបាលបានប្រគល់ជូនគ្រប់"
                    "ក្រសួង-ស្ថាប័ន។"
                ),
                "priority_prompt_en": (
                    "How high a priority is this: develop AI-focused sectoral policies?"
                ),
                "priority_prompt_km": (
                    "តើលោកអ្នកចាត់ទុកការរៀបចំគោលនយោបាយតាមវិស័យដែលផ្តោតលើបញ្ញាសិប្បនិម្មិត "
                    "ជាអាទិភាពកម្រិតណា?"
                ),
            },
        ],
    },
]
