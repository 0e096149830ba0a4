"""Everything an appended day is drawn from, built once per process and shared by days:
the timeline, the base generation's plan, each day's plan, each table's segments, each
feed's history and the parent views foreign keys pick from."""

from __future__ import annotations

from retail_lakehouse.generate.feed_changes import FeedHistory
from retail_lakehouse.generate.parents import ParentView
from retail_lakehouse.generate.plan import MAX_DEFECT_SHARE, DatasetPlan, PlanError
from retail_lakehouse.generate.segments import (
    BatchPlan,
    EntityRows,
    SegmentedParent,
    batch_seed,
    day_spec,
)
from retail_lakehouse.generate.spec.arrivals import FeedSpec
from retail_lakehouse.generate.spec.dataset import DatasetSpec
from retail_lakehouse.generate.timeline import Timeline


class ArrivalWorld:
    """The days appended to one landing zone of (spec, seed, scale, base rows)."""

    def __init__(
        self,
        spec: DatasetSpec,
        seed: int,
        scale: float,
        base_rows: dict[str, int],
        defect_scale: float,
    ) -> None:
        self.timeline = Timeline(spec, scale, base_rows)
        self.spec = spec
        self.seed = seed
        self.defect_scale = defect_scale
        self.base = DatasetPlan(spec, seed, dict(base_rows), defect_scale)
        self._plans: dict[int, DatasetPlan] = {0: self.base}
        self._entities: dict[str, EntityRows] = {}
        self._feeds: dict[str, FeedHistory] = {}
        self._parents: dict[tuple[str, int], SegmentedParent] = {}
        for feed in self.feeds:
            total = sum(d.rate for d in feed.defects) * defect_scale
            if total > MAX_DEFECT_SHARE:
                raise PlanError(
                    f"feed '{feed.folder}': defect rates times {defect_scale:g} add up to "
                    f"{total:.3g}, more than {MAX_DEFECT_SHARE}"
                )

    @property
    def feeds(self) -> list[FeedSpec]:
        return self.timeline.arrivals.feeds

    def plan(self, batch: int) -> DatasetPlan:
        """The base generation's plan (0), or day ``batch``'s."""
        if batch not in self._plans:
            self._plans[batch] = BatchPlan(
                day_spec(self.timeline, batch),
                batch_seed(self.seed, batch),
                dict(self.timeline.rows(batch)),
                self.defect_scale,
                batch=batch,
                timeline=self.timeline,
                parents=self.parent,
            )
        return self._plans[batch]

    def entity(self, table: str) -> EntityRows:
        if table not in self._entities:
            self._entities[table] = EntityRows(table, self.timeline, self.plan)
        return self._entities[table]

    def feed(self, spec: FeedSpec) -> FeedHistory:
        if spec.table not in self._feeds:
            entity = self.entity(spec.table)
            self._feeds[spec.table] = FeedHistory(spec, entity, self.seed, self.defect_scale)
        return self._feeds[spec.table]

    def parent(self, table: str, batch: int) -> ParentView:
        """``table`` as the rows of day ``batch`` pick from it."""
        if (table, batch) not in self._parents:
            feed = next((f for f in self.feeds if f.table == table), None)
            history = None if feed is None else self.feed(feed)
            closing = None if history is None else history.state(batch)
            opening = None if history is None else history.state(batch - 1)
            entity = self.entity(table)
            self._parents[(table, batch)] = SegmentedParent(entity, batch, closing, opening)
        return self._parents[(table, batch)]
