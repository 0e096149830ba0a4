"""What a Delta table's metadata says about it beside its files, as Databricks records it.

Owns :class:`TableMetadata`, what a table should carry: its description (a dataset's
``COMMENT``), its configuration (its ``TBLPROPERTIES``, keys and values as text, and its
clustering columns) and its columns' comments (the ``comment`` entry of a schema field's
metadata, as Spark writes a column's ``COMMENT``); and bringing a table's metadata to
that with delta-rs: when it creates the table, or, when the table exists, by altering
what differs before the update's data commit.

delta-rs creates a table with properties it does not know (``quality``,
``pipelines.*``) only on its own (``DeltaTable.create``): its commits that add files
accept Delta's own keys only (:mod:`.first_version` joins the two into a new table's one
first commit). A definition whose metadata changed costs a commit for its description,
one for its configuration and one for each column whose comment changed, before its
data commit. What a definition no longer gives stays: delta-rs cannot unset a property,
a description or a column's metadata entry.

Delta's liquid clustering keeps its columns in the ``delta.clustering`` domain metadata
(``{"clusteringColumns": [["col"], ...]}``), which needs the ``domainMetadata`` and
``clustering`` writer features. delta-rs' Python API writes no domain metadata, and
delta-rs writes to no table with those features, so the columns are recorded in the
configuration instead, under ``clusteringColumns`` (:data:`CLUSTERING_KEY`), the table
property Delta itself shows them as, in its JSON (one list of name parts per column,
what Delta's ``ClusterBySpec.fromProperty`` reads). A table whose ``CLUSTER BY`` went
away records ``[]``, as ``CLUSTER BY NONE`` leaves it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable

__all__ = [
    "CLUSTERING_KEY",
    "COMMENT_KEY",
    "MetadataChanges",
    "TableMetadata",
    "alter_table",
    "commented_schema",
    "create_table",
    "metadata_changes",
]

CLUSTERING_KEY = "clusteringColumns"
COMMENT_KEY = "comment"  # of a schema field's metadata
NO_CLUSTERING = "[]"


@dataclass(frozen=True)
class TableMetadata:
    """What a table's Delta metadata should record beside its schema's types."""

    description: str | None = None
    properties: tuple[tuple[str, str], ...] = ()  # TBLPROPERTIES, in order
    clustering: tuple[str, ...] = ()  # CLUSTER BY columns
    column_comments: tuple[tuple[str, str], ...] = ()  # column -> its COMMENT

    @property
    def configuration(self) -> dict[str, str]:
        """The table configuration: the properties, and the clustering columns if any."""
        configuration = dict(self.properties)
        if self.clustering:
            configuration[CLUSTERING_KEY] = clustering_json(self.clustering)
        return configuration


def clustering_json(columns: Sequence[str]) -> str:
    """Delta's JSON of clustering columns: ``[["a"],["b"]]`` (no nested columns here)."""
    return json.dumps([[column] for column in columns], separators=(",", ":"))


def commented_schema(schema: pa.Schema, metadata: TableMetadata) -> pa.Schema:
    """``schema`` with each commented column's comment in its field metadata (columns
    match without case, as Spark resolves them; comments of absent columns are dropped)."""
    comments = {name.lower(): text for name, text in metadata.column_comments}
    fields = []
    for column in schema:
        text = comments.get(column.name.lower())
        if text is not None:
            entries = {**(column.metadata or {}), COMMENT_KEY.encode(): text.encode()}
            column = column.with_metadata(entries)
        fields.append(column)
    return pa.schema(fields, metadata=schema.metadata)


def column_comments(table: DeltaTable) -> dict[str, str | None]:
    """Each column of the table -> its comment (None: it has none)."""
    return {
        column.name: _text(column.metadata.get(COMMENT_KEY)) for column in table.schema().fields
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class MetadataChanges:
    """What differs between a table's metadata and what it should be, as the alterations
    that bring it there."""

    description: str | None = None  # the new description; None: it stays
    configuration: Mapping[str, str] = field(default_factory=dict)  # entries to set
    column_comments: Mapping[str, str] = field(default_factory=dict)  # column -> comment

    @property
    def empty(self) -> bool:
        return self.description is None and not self.configuration and not self.column_comments


def metadata_changes(table: DeltaTable, wanted: TableMetadata) -> MetadataChanges:
    """The alterations that give ``table`` the metadata ``wanted`` says (what it does not
    say, such as a property it no longer gives, stays)."""
    stored = table.metadata()
    description = wanted.description if wanted.description != stored.description else None
    configuration = _configuration_changes(stored.configuration, wanted)
    comments = _comment_changes(column_comments(table), wanted.column_comments)
    return MetadataChanges(description, configuration, comments)


def _configuration_changes(stored: Mapping[str, str], wanted: TableMetadata) -> dict[str, str]:
    changes = {
        key: value for key, value in wanted.configuration.items() if stored.get(key) != value
    }
    if not wanted.clustering and stored.get(CLUSTERING_KEY, NO_CLUSTERING) != NO_CLUSTERING:
        changes[CLUSTERING_KEY] = NO_CLUSTERING
    return changes


def _comment_changes(
    stored: Mapping[str, str | None], wanted: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Column -> its new comment, for the wanted comments of the table's columns."""
    by_lower = {name.lower(): name for name in stored}
    changes = {}
    for name, text in wanted:
        column = by_lower.get(name.lower())
        if column is not None and stored[column] != text:
            changes[column] = text
    return changes


def create_table(
    path: Path,
    schema: pa.Schema,
    partition_by: Sequence[str],
    metadata: TableMetadata,
    commit_info: Mapping[str, str],
) -> DeltaTable:
    """A new empty table with ``metadata`` (its ``CREATE TABLE`` commit carries
    ``commit_info``); Delta properties delta-rs knows take effect, others are kept."""
    return DeltaTable.create(
        path, commented_schema(schema, metadata), partition_by=list(partition_by) or None,
        description=metadata.description, configuration=metadata.configuration,
        raise_if_key_not_exists=False, commit_properties=_commit(commit_info),
    )  # fmt: skip


def alter_table(
    table: DeltaTable, changes: MetadataChanges, commit_info: Mapping[str, str]
) -> None:
    """Make ``changes``: a commit for the description, one for the configuration and one
    per column comment (delta-rs alters one thing a commit), each carrying ``commit_info``."""
    if changes.description is not None:
        table.alter.set_table_description(
            changes.description, commit_properties=_commit(commit_info)
        )
    if changes.configuration:
        table.alter.set_table_properties(
            dict(changes.configuration), raise_if_not_exists=False,
            commit_properties=_commit(commit_info),
        )  # fmt: skip
    for column, text in changes.column_comments.items():
        table.alter.set_column_metadata(
            column, {COMMENT_KEY: text}, commit_properties=_commit(commit_info)
        )


def _commit(commit_info: Mapping[str, str]) -> CommitProperties:
    return CommitProperties(custom_metadata=dict(commit_info))
