"""spawn / start_processes: run fn(i, *args) in nprocs processes, with torch's errors when one fails.

A child that raises sends its formatted traceback back (through a pipe) and exits with code 1; the
parent's join then terminates the others and raises ProcessRaisedException carrying that traceback.
A child that dies otherwise (os._exit, a signal) gives ProcessExitedException with its exit code or
signal name. Messages, attributes and the join protocol are torch's.
"""
import multiprocessing
import multiprocessing.connection
import signal
import sys
import traceback
import warnings


class ProcessException(Exception):
    __slots__ = ["error_index", "error_pid"]

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.msg, self.error_index, self.error_pid = msg, error_index, error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A process failed because its code raised an exception."""


class ProcessExitedException(ProcessException):
    """A process failed by a signal or a non-zero exit code."""

    __slots__ = ["exit_code"]

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name)


def _run(fn, index, args, error_pipe):
    """The child's entry point: fn(index, *args); a raised exception's traceback goes to the parent."""
    try:
        fn(index, *args)
    except KeyboardInterrupt:
        pass  # the parent is stopping us
    except Exception:
        error_pipe.send(traceback.format_exc())
        sys.exit(1)
    finally:
        error_pipe.close()


class ProcessContext:
    """The started processes; ``join()`` waits for them (returns True once all have exited cleanly)."""

    def __init__(self, processes, error_pipes):
        self.processes, self.error_pipes = processes, error_pipes
        self.sentinels = {process.sentinel: index for index, process in enumerate(processes)}

    def pids(self):
        return [int(process.pid) for process in self.processes]

    def _join_all(self, timeout):
        for process in self.processes:
            process.join(timeout)

    def join(self, timeout=None, grace_period=None):
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(self.sentinels.keys(), timeout=timeout)
        failed = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            self.processes[index].join()
            if self.processes[index].exitcode != 0:
                failed = index
                break
        if failed is None:
            return not self.sentinels
        if grace_period is not None:
            self._join_all(grace_period)
        for process in self.processes:  # the first failure stops the rest, as in torch
            if process.is_alive():
                process.terminate()
        self._join_all(30 if grace_period is None else grace_period)
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join()
        process, pipe = self.processes[failed], self.error_pipes[failed]
        try:
            trace = pipe.recv() if pipe.poll() else None
        except EOFError:  # the child died without sending a traceback
            trace = None
        if trace is not None:
            message = f"\n\n-- Process {failed:d} terminated with the following error:\n" + trace
            raise ProcessRaisedException(message, failed, process.pid)
        code = process.exitcode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"<Unknown signal {-code}>"
            raise ProcessExitedException(f"process {failed:d} terminated with signal {name}", error_index=failed,
                                         error_pid=process.pid, exit_code=code, signal_name=name)
        raise ProcessExitedException(f"process {failed:d} terminated with exit code {code:d}", error_index=failed,
                                     error_pid=process.pid, exit_code=code)


class SpawnContext(ProcessContext):
    pass


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start nprocs processes running fn(i, *args) with `start_method`; join them unless join=False."""
    context = multiprocessing.get_context(start_method)
    processes, error_pipes = [], []
    for index in range(nprocs):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_run, args=(fn, index, args, sender), daemon=daemon)
        process.start()
        sender.close()  # the child holds its own end
        processes.append(process)
        error_pipes.append(receiver)
    started = ProcessContext(processes, error_pipes)
    if not join:
        return started
    while not started.join():
        pass


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Spawn nprocs processes that run fn(i, *args) (fn must be importable: defined at a module's top level).

    Returns None when join=True, else the ProcessContext. A failing process stops the others and raises
    ProcessRaisedException (its traceback) or ProcessExitedException (its exit code or signal)."""
    if start_method != "spawn":
        warnings.warn(f"This method only supports start_method=spawn (got: {start_method}).\n"
                      "To use a different start_method use:\n\t\t torch.multiprocessing.start_processes(...)",
                      FutureWarning, stacklevel=2)
    return start_processes(fn, args, nprocs, join, daemon, start_method="spawn")
