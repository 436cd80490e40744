"""ember.onnx: importable so scripts that mention it load; exporting needs torch's tracer, which ember lacks."""
import enum


class TrainingMode(enum.IntEnum):
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(enum.IntEnum):
    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3


def export(model, args=(), f=None, *unused_args, **unused_kwargs):
    raise NotImplementedError("ember does not implement torch.onnx.export: exporting to ONNX needs torch's graph "
                              "tracer. Save the weights with ember.save(model.state_dict(), path), load them into "
                              "the same model under torch, and export from there.")


def is_in_onnx_export():
    return False
