"""Bronze: the landing files as they are, plus when and from which file each row came.

Streaming tables: an update ingests only the files it has not seen before. One function
defines the six (the four tables and the customers' and products' change feeds), as a loop
of Databricks pipeline code would."""

from pyspark import pipelines as dp
from pyspark.sql import functions as F


def bronze(source: str) -> None:
    @dp.table(
        name=f"bronze_{source}",
        comment=f"Raw {source} from the landing zone.",
        table_properties={"quality": "bronze"},
    )
    def ingest():
        return (
            spark.readStream.format("cloudFiles")
            .option("cloudFiles.format", spark.conf.get("landing_format"))
            .load(f"{spark.conf.get('landing_path')}/{source}")
            .select(
                "*",
                F.current_timestamp().alias("_ingested_at"),
                F.col("_metadata.file_path").alias("_source_file"),
            )
        )


for source in ("customers", "products", "orders", "order_items", "customers_cdc", "products_cdc"):
    bronze(source)
