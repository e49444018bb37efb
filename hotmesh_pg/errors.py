"""Every exception hotmesh_pg raises, in one place so callers can catch by family.

Hierarchy::

    HotMeshError(Exception)
    ├── ConfigError                  bad init options (app id, namespace, schema, connection)
    │   └── ConnectionFailedError    a DSN / URL that does not connect (names host and port)
    ├── SchemaNotReadyError          database revision behind the code (names the upgrade command)
    ├── ProviderError                a provider refused an operation (e.g. unserialisable value)
    ├── ValidationError              YAML app does not compile (file, line, activity, field)
    ├── MapDataError                 a mapping / @pipe could not be resolved
    ├── GetStateError                unknown job (404)
    │   └── WorkflowNotFoundError    durable handle of a workflow that does not exist
    ├── SetStateError
    ├── DuplicateJobError            job id already exists
    ├── InactiveJobError             job already finished / interrupted
    ├── GenerationalError            message from an older generation of a recreated job
    ├── CollationError               15-digit semaphore check failed (duplicate, stale, ...)
    ├── ExecActivityError
    ├── RegisterTimeoutError
    ├── PubSubTimeoutError           pubsub did not see the job finish in time (also TimeoutError)
    ├── UnknownTopicError            pub to a topic no active version subscribes
    ├── UnknownSignalError           hook for a signal nobody registered
    ├── PayloadTooLargeError         pub payload over the configured limit
    ├── VersionNotFoundError         activate a version never deployed
    ├── QuorumError                  activation could not reach the quorum
    ├── DurableError                 raised by user workflow code, carries .code
    │   ├── DurableRetryError   599
    │   ├── DurableFatalError   598
    │   ├── DurableMaxedError   597
    │   └── DurableTimeoutError 596
    ├── ActivityFailedError          a proxied activity exhausted its retries (.code)
    ├── WorkflowFailedError          handle.result() of a failed workflow (.code, .job_id)
    └── NonDeterminismError          replay made a different call at an index than history holds

    DurableInterruption(BaseException)   replay control flow; never an ``Exception`` so that
    ├── DurableSleepError       588      a user's ``except Exception`` cannot swallow it
    ├── DurableWaitForAllError  589
    ├── DurableChildError       590
    ├── DurableProxyError       591
    └── DurableWaitForError     595
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ActivityFailedError",
    "CollationError",
    "ConfigError",
    "ConnectionFailedError",
    "DuplicateJobError",
    "DurableChildError",
    "DurableError",
    "DurableFatalError",
    "DurableInterruption",
    "DurableMaxedError",
    "DurableProxyError",
    "DurableRetryError",
    "DurableSleepError",
    "DurableTimeoutError",
    "DurableWaitForAllError",
    "DurableWaitForError",
    "ExecActivityError",
    "GenerationalError",
    "GetStateError",
    "HotMeshError",
    "InactiveJobError",
    "JobFailedError",
    "MapDataError",
    "NonDeterminismError",
    "PayloadTooLargeError",
    "ProviderError",
    "PubSubTimeoutError",
    "QuorumError",
    "RegisterTimeoutError",
    "SchemaNotReadyError",
    "SetStateError",
    "UnknownSignalError",
    "UnknownTopicError",
    "ValidationError",
    "VersionNotFoundError",
    "WorkflowFailedError",
    "WorkflowNotFoundError",
]


class HotMeshError(Exception):
    """Base of every error the library raises on purpose."""


class ConfigError(HotMeshError, ValueError):
    """An option passed to ``init`` / ``connect`` is not acceptable."""


class ConnectionFailedError(ConfigError, ConnectionError):
    """The server named by a DSN or URL did not answer; the message names host and port."""


class SchemaNotReadyError(HotMeshError):
    """The database schema is missing or behind the code; the message names the fix."""


class ProviderError(HotMeshError):
    """A provider could not carry out an operation (bad value, server refusal)."""


class ValidationError(HotMeshError, ValueError):
    """A YAML app failed to compile.

    ``file``, ``line``, ``activity`` and ``field`` locate the fault when known; the message
    already contains them so a plain ``str(err)`` is enough for a person.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        activity: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.activity = activity
        self.field = field
        where = []
        if file:
            where.append(file if line is None else f"{file}:{line}")
        elif line is not None:
            where.append(f"line {line}")
        if activity:
            where.append(f"activity '{activity}'")
        if field:
            where.append(f"field '{field}'")
        self.reason = message
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class MapDataError(HotMeshError):
    """A mapping expression or @pipe could not be resolved."""


class GetStateError(HotMeshError):
    """The job does not exist (or has expired)."""

    code = 404

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"{job_id} Not Found")


class WorkflowNotFoundError(GetStateError):
    """``handle.result()`` / ``status()`` of a workflow id no job exists for (or expired)."""

    def __init__(self, job_id: str) -> None:
        super().__init__(job_id)
        self.args = (f"workflow {job_id} not found",)


class SetStateError(HotMeshError):
    def __init__(self, message: str = "Error occurred while setting job state") -> None:
        super().__init__(message)


class DuplicateJobError(HotMeshError):
    """A job with this id already exists."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"Duplicate job: {job_id}")


class InactiveJobError(HotMeshError):
    """The job's status semaphore is already <= 0 (done or interrupted)."""

    def __init__(self, job_id: str, status: float, activity_id: str | None = None) -> None:
        self.job_id = job_id
        self.status = status
        self.activity_id = activity_id
        super().__init__(f"Inactive job: {job_id}")


class GenerationalError(HotMeshError):
    """The message belongs to an earlier generation (gid) of a job id that was recreated."""

    def __init__(
        self, expected: str, actual: str, job_id: str, activity_id: str, dad: str
    ) -> None:
        self.expected = expected
        self.actual = actual
        self.job_id = job_id
        self.activity_id = activity_id
        self.dimensional_address = dad
        super().__init__("Generational Error")


class CollationError(HotMeshError):
    """A 15-digit activity semaphore check failed.

    ``fault`` is one of ``missing``, ``duplicate``, ``inactive``, ``invalid``, ``forbidden``.
    """

    def __init__(self, status: int, leg: int, stage: str, fault: str | None = None) -> None:
        self.status = status
        self.leg = leg
        self.stage = stage
        self.fault = fault
        super().__init__(f"collation-error: leg {leg} {stage} {fault or ''} ({status})".strip())


class ExecActivityError(HotMeshError):
    def __init__(self, message: str = "Error occurred while executing activity") -> None:
        super().__init__(message)


class RegisterTimeoutError(HotMeshError):
    def __init__(self, message: str = "Error occurred while registering activity timeout") -> None:
        super().__init__(message)


class PubSubTimeoutError(HotMeshError, TimeoutError):
    """``pubsub`` waited ``timeout`` seconds without the job finishing."""

    code = 504

    def __init__(self, job_id: str, timeout: float) -> None:
        self.job_id = job_id
        self.timeout = timeout
        super().__init__(f"pubsub timed out after {timeout}s waiting for job {job_id}")


class JobFailedError(HotMeshError):
    """``pubsub`` saw the job finish with an error; carries the job's error fields."""

    def __init__(
        self, message: str, code: int = 500, job_id: str | None = None,
        stack: str | None = None, details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.job_id = job_id
        self.stack = stack
        self.details = dict(details or {})
        self.is_stream_error = bool(self.details.get("is_stream_error"))
        self.error = self.details.get("error")
        super().__init__(message)


class UnknownTopicError(HotMeshError):
    """No activated version of the app subscribes to the topic."""


class UnknownSignalError(HotMeshError):
    """A hook was sent for a signal nobody is waiting on and no rule routes."""


class PayloadTooLargeError(HotMeshError, ValueError):
    """A payload exceeds the configured size limit."""


class VersionNotFoundError(HotMeshError):
    """The version was never deployed for the app."""


class QuorumError(HotMeshError):
    """Version activation did not reach every engine of the quorum."""


class DurableError(HotMeshError):
    """A durable failure with a status code; raise one from workflow code to pick the code."""

    code = 599

    def __init__(self, message: str = "", code: int | None = None, stack: str | None = None):
        if code is not None:
            self.code = code
        self.message = message
        self.stack = stack
        super().__init__(message)


class DurableRetryError(DurableError):
    code = 599


class DurableFatalError(DurableError):
    code = 598


class DurableMaxedError(DurableError):
    code = 597


class DurableTimeoutError(DurableError):
    code = 596


class ActivityFailedError(HotMeshError):
    """A proxied activity failed for good (retries exhausted, or fatal)."""

    def __init__(
        self, message: str, code: int = 597, activity_name: str | None = None,
        stack: str | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.activity_name = activity_name
        self.stack = stack
        super().__init__(message)


class WorkflowFailedError(HotMeshError):
    """The workflow finished with an error (410 when it was interrupted)."""

    def __init__(
        self, message: str, code: int = 500, job_id: str | None = None,
        stack: str | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.job_id = job_id
        self.stack = stack
        super().__init__(message)


class NonDeterminismError(HotMeshError):
    """A replay made a different durable call at an execution index than the history holds."""

    def __init__(self, index: str, recorded: str, attempted: str) -> None:
        self.index = index
        self.recorded = recorded
        self.attempted = attempted
        super().__init__(
            f"non-deterministic workflow at index {index}: history holds {recorded}, "
            f"replay called {attempted}"
        )


class DurableInterruption(BaseException):
    """Base of replay control flow; a ``BaseException`` so ``except Exception`` cannot eat it."""

    code = 0

    def __init__(self, message: str, **payload: Any) -> None:
        self.payload = payload
        for name, value in payload.items():
            setattr(self, name, value)
        super().__init__(message)


class DurableSleepError(DurableInterruption):
    code = 588

    def __init__(self, **payload: Any) -> None:
        super().__init__("SleepFor Interruption", **payload)


class DurableWaitForAllError(DurableInterruption):
    code = 589

    def __init__(self, **payload: Any) -> None:
        super().__init__("Collation Interruption", **payload)


class DurableChildError(DurableInterruption):
    code = 590

    def __init__(self, **payload: Any) -> None:
        super().__init__("ExecChild Interruption", **payload)


class DurableProxyError(DurableInterruption):
    code = 591

    def __init__(self, **payload: Any) -> None:
        super().__init__("ProxyActivity Interruption", **payload)


class DurableWaitForError(DurableInterruption):
    code = 595

    def __init__(self, **payload: Any) -> None:
        super().__init__("WaitFor Interruption", **payload)
