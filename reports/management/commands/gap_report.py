from reports import exports, pdf, reports

from ._rounds import RoundReportCommand


class Command(RoundReportCommand):
    help = "Write a round's partnership gap report: .pdf (the report), .csv (summary), .xlsx (all)."
    formats = {".pdf": "the gap report", ".csv": "the per-item summary", ".xlsx": "every table"}

    def content(self, extension: str, data: reports.RoundData) -> bytes:
        if extension == ".pdf":
            return pdf.gap_report(data=data)
        if extension == ".csv":
            return exports.summary_csv(data=data)
        return exports.workbook(data=data)
