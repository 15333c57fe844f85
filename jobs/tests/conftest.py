import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


@pytest.fixture(scope="session")
def spark():
    """One real local Spark (two cores) for the whole run; small shuffles, no UI."""
    from batch_analytics import session

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        session("fleetstream-tests").builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield spark
    spark.stop()
