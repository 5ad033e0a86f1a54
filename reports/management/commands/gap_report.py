from reports import exports, pdf, reports

from ._rounds import RoundReportCommand


class Command(RoundReportCommand):
    help = "Write a round's board paper (.pdf), per-item summary (.csv) or whole workbook (.xlsx)."
    formats = {".pdf": "the board paper", ".csv": "the per-item summary", ".xlsx": "the workbook"}

    def content(self, extension: str, data: reports.RoundData) -> bytes:
        if extension == ".pdf":
            return pdf.gap_report(data=data)
        if extension == ".csv":
            return exports.summary_csv(data=data)
        return exports.workbook(data=data)
