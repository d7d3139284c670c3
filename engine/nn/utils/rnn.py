"""torch.nn.utils.rnn: padding a list of variable-length sequences into one tensor."""
from ...ops import creation_ops


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of different lengths (L_i, *) into (L_max, B, *), or (B, L_max, *) with batch_first,
    filling with padding_value on padding_side; gradients flow back into each sequence (CopySlices)."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences)
    longest = max(len(s) for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    batch, length = (len(sequences), longest) if batch_first else (longest, len(sequences))
    out = creation_ops.full((batch, length) + trailing, padding_value, dtype=sequences[0].dtype,
                            device=sequences[0].device)
    for i, seq in enumerate(sequences):  # written in place, in the output's own layout, as torch does
        rows = slice(0, len(seq)) if padding_side == "right" else slice(longest - len(seq), longest)
        if batch_first:
            out[i, rows] = seq
        else:
            out[rows, i] = seq
    return out


__all__ = ["pad_sequence"]
