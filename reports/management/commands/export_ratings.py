from reports import exports, reports

from ._rounds import RoundReportCommand


class Command(RoundReportCommand):
    help = "Export every rating of a round in the long format, as .csv or .xlsx."
    formats = {".csv": "CSV, UTF-8", ".xlsx": "Excel"}

    def content(self, extension: str, data: reports.RoundData) -> bytes:
        if extension == ".csv":
            return exports.ratings_csv(data=data)
        return exports.ratings_xlsx(data=data)
