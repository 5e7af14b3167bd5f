"""Write the XLSForm fixtures of this folder, as KoboToolbox users write them.

    .venv/bin/python tests/agenda/xlsform/make_fixtures.py

``every_kind.xlsx``: every kind of item (agreement, priority, choice, multi with a maximum,
ranking with top-k, text) in two sections and two rounds, in English and Khmer. Written with
plain openpyxl, not with Consult's exporter, so the importer is tested on a file it did not make.
``bad.xlsx``: one problem of each kind a person makes, to be reported all at once.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

SURVEY_HEADER = ["type", "name", "label::English (en)", "label::Khmer (km)", "hint::English (en)",
                 "hint::Khmer (km)", "required", "constraint", "consult_round", "consult_comment",
                 "consult_top_k"]


def _workbook(sheets: dict[str, list[list]]) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    return wb


def every_kind() -> Workbook:
    survey = [
        SURVEY_HEADER,
        ["begin_group", "findings", "Findings", "លទ្ធផលរកឃើញ", "What the assessment found.",
         "អ្វីដែលការវាយតម្លៃបានរកឃើញ។"],
        ["select_one consult_agreement", "F1", "The findings describe the situation accurately.",
         "លទ្ធផលរកឃើញពិពណ៌នាស្ថានភាពបានត្រឹមត្រូវ។", "", "", "yes", "", "r1", "yes"],
        ["text", "F2", "What is missing from the findings?", "តើលទ្ធផលរកឃើញខ្វះអ្វីខ្លះ?",
         "", "", "no", "", "r1", "no"],
        ["end_group"],
        [],  # an empty row, as people leave them
        ["begin group", "recs", "Recommendations", "អនុសាសន៍"],
        ["select_one consult_priority", "R1", "How high a priority is training for civil servants?",
         "តើការបណ្តុះបណ្តាលមន្ត្រីរាជការមានអាទិភាពកម្រិតណា?", "", "", "yes", "", "r2", "yes"],
        ["select_one lead", "R2", "Who should lead the work?",
         "តើស្ថាប័នណាគួរដឹកនាំការងារនេះ?", "", "", "yes", "", "r2", ""],
        ["select_multiple areas", "R3", "Which two areas matter most?",
         "តើវិស័យពីរណាសំខាន់ជាងគេ?", "Choose at most two.", "សូមជ្រើសរើសមិនលើសពីពីរ។",
         "", "count-selected(.) <= 2", "r2", "yes"],
        ["rank steps", "R4", "Rank the first two steps.", "សូមរៀបលំដាប់ជំហានពីរដំបូង។",
         "", "", "", "", "r2", "no", 2],
        ["end_group"],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Khmer (km)"],
        # The priority scale written out for Kobo; the agreement scale left out: both read.
        ["consult_priority", "3", "High", "ខ្ពស់"],
        ["consult_priority", "2", "Medium", "មធ្យម"],
        ["consult_priority", "1", "Low", "ទាប"],
        ["lead", "gov", "Government", "រាជរដ្ឋាភិបាល"],
        ["lead", "acad", "Academia", "គ្រឹះស្ថានសិក្សា"],
        ["lead", "private", "Private sector", "វិស័យឯកជន"],
        ["areas", "health", "Health", "សុខាភិបាល"],
        ["areas", "education", "Education", "អប់រំ"],
        ["areas", "agriculture", "Agriculture", "កសិកម្ម"],
        ["steps", "law", "A law", "ច្បាប់"],
        ["steps", "data", "Open data", "ទិន្នន័យបើកចំហ"],
        ["steps", "skills", "Skills", "ជំនាញ"],
    ]
    rounds = [
        ["name", "label::English (en)", "label::Khmer (km)"],
        ["r1", "Round 1: findings", "ជុំទី១៖ លទ្ធផលរកឃើញ"],
        ["r2", "Round 2: recommendations", "ជុំទី២៖ អនុសាសន៍"],
    ]
    settings = [["form_title", "form_id", "default_language"],
                ["Every kind", "every_kind", "English (en)"]]
    return _workbook({"survey": survey, "choices": choices, "consult_rounds": rounds,
                      "settings": settings})


#: Where each problem of bad.xlsx is: (sheet, row, column letter), checked by the tests.
BAD_PROBLEMS = [
    ("survey", 2, "A"),    # a question outside any group
    ("survey", 4, "A"),    # integer: not supported
    ("survey", 6, "B"),    # Q1 twice
    ("survey", 7, "A"),    # a list that is not defined
    ("survey", 8, "C"),    # no label in either language
    ("survey", 9, "F"),    # consult_max_choices above the number of options
    ("survey", 10, "E"),   # a round that is not defined
    ("choices", 3, "C"),   # a choice with no label
]


def bad() -> Workbook:
    survey = [
        # Header spelled as people spell it: case and spaces vary.
        ["Type", "name", "label::english(en)", "LABEL::Khmer (km)", "consult_round",
         "consult_max_choices"],
        ["text", "LOOSE", "Outside any group", "ក្រៅក្រុម"],
        ["begin_group", "g1", "Group", "ក្រុម"],
        ["integer", "AGE", "Age", "អាយុ"],
        ["text", "Q1", "First", "ទីមួយ"],
        ["text", "Q1", "Twice", "ពីរដង"],
        ["select_one nowhere", "Q3", "Undefined list", "បញ្ជីមិនមាន"],
        ["text", "Q4", "", ""],
        ["select_multiple fruit", "Q5", "Too many", "ច្រើនពេក", "", 9],
        ["text", "Q6", "Unknown round", "ជុំមិនស្គាល់", "r9"],
        ["end_group"],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Khmer (km)"],
        ["fruit", "a", "Apple", "ផ្លែប៉ោម"],
        ["fruit", "b", "", ""],
        ["fruit", "c", "Cherry", "ផ្លែឈើរី"],
    ]
    return _workbook({"survey": survey, "choices": choices})


def main() -> None:
    every_kind().save(HERE / "every_kind.xlsx")
    bad().save(HERE / "bad.xlsx")
    print(f"Wrote {HERE / 'every_kind.xlsx'} and {HERE / 'bad.xlsx'}")


if __name__ == "__main__":
    main()
