"""Retraining the NLU model from the console: one row per training, from "Retrain now" to the
organiser's decision. The row, not the process, says what is going on, so every replica's console
shows the same progress and a restart cannot leave a training half-believed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, Integer, String, Text

from bot.db import Base, UTCDateTime

# TrainingRun.status
RUNNING = "running"  # exporting, training or evaluating (stage)
READY = "ready"  # trained and scored; waits for an organiser because it scored worse than the model serving
LOADED = "loaded"  # the new model answers now
KEPT = "kept"  # the organiser kept the model serving; the candidate was dropped
FAILED = "failed"  # the training or its evaluation failed, or a restart interrupted it

# TrainingRun.stage while running
EXPORTING, TRAINING, EVALUATING = "exporting", "training", "evaluating"


class TrainingRun(Base):
    __tablename__ = "training_run"

    id: int = Column(Integer, primary_key=True)
    # 1 while the training runs, NULL after: the unique index lets only one run at a time, across replicas.
    slot: int | None = Column(Integer, unique=True)
    status: str = Column(String(16), nullable=False, default=RUNNING)
    stage: str | None = Column(String(16))
    progress: int = Column(Integer, nullable=False, default=0)  # percent of the training's epochs done
    started_by: str = Column(String(100), nullable=False)  # the console agent
    owner: str = Column(String(100), nullable=False)  # host:pid of the process running it
    examples: int | None = Column(Integer)  # labelled questions exported
    export: str | None = Column(Text)  # the exported training file, written to data/ when the model is loaded
    model_before: str | None = Column(String(64))
    model_after: str | None = Column(String(64))
    candidate: str | None = Column(String(500))  # path of the trained model while it waits for a decision
    accuracy_before: float | None = Column(Float)
    accuracy_after: float | None = Column(Float)
    error: str | None = Column(Text)
    started_at: datetime = Column(UTCDateTime, nullable=False)
    finished_at: datetime | None = Column(UTCDateTime)
    decided_by: str | None = Column(String(100))
    decided_at: datetime | None = Column(UTCDateTime)
