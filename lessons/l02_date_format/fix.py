from datetime import date, timedelta


def recent_pings(df, today=date(2017, 5, 26)):
    week_ago = today - timedelta(days=7)
    start = week_ago.strftime('%Y%m%d')          # the column's own format: 20170519
    clause = f"submission_date > '{start}'"
    return df.where(clause)
