/**
 * The fixed part of an exported PyTorch module: safetensors reading and writing in plain
 * Python + torch (no json, numpy or safetensors package: the module imports only torch and
 * typing), so trained parameters move between gated and PyTorch under gated's names.
 */

export const TORCH_WEIGHTS_CODE = String.raw`
def _json_value(s: str, i: int) -> Tuple[object, int]:
    """A minimal JSON reader for safetensors headers (objects, arrays, strings, numbers)."""
    while s[i] in " \t\r\n":
        i += 1
    c = s[i]
    if c == "{":
        out = {}
        i += 1
        while True:
            while s[i] in " \t\r\n,":
                i += 1
            if s[i] == "}":
                return out, i + 1
            key, i = _json_value(s, i)
            while s[i] in " \t\r\n:":
                i += 1
            val, i = _json_value(s, i)
            out[key] = val
    if c == "[":
        arr = []
        i += 1
        while True:
            while s[i] in " \t\r\n,":
                i += 1
            if s[i] == "]":
                return arr, i + 1
            val, i = _json_value(s, i)
            arr.append(val)
    if c == '"':
        i += 1
        chars = []
        while s[i] != '"':
            if s[i] == "\\":
                e = s[i + 1]
                if e == "u":
                    chars.append(chr(int(s[i + 2 : i + 6], 16)))
                    i += 6
                    continue
                chars.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(e, e))
                i += 2
                continue
            chars.append(s[i])
            i += 1
        return "".join(chars), i + 1
    j = i
    while j < len(s) and s[j] in "+-0123456789.eE":
        j += 1
    if j > i:
        text = s[i:j]
        return (float(text) if any(ch in text for ch in ".eE") else int(text)), j
    for word, val in (("true", True), ("false", False), ("null", None)):
        if s.startswith(word, i):
            return val, i + len(word)
    raise ValueError("safetensors header: bad JSON at offset %d" % i)


_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path: str) -> Dict[str, Tensor]:
    """Every tensor of a safetensors file, by name."""
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header, _ = _json_value(data[8 : 8 + n].decode("utf-8"), 0)
    base = 8 + n
    out: Dict[str, Tensor] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in _DTYPES:
            raise ValueError("%s: tensor %s has dtype %s, not a float type" % (path, name, info["dtype"]))
        a, b = info["data_offsets"]
        dt = _DTYPES[info["dtype"]]
        if b > a:
            t = torch.frombuffer(bytearray(data[base + a : base + b]), dtype=dt)
        else:
            t = torch.zeros(0, dtype=dt)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def _json_string(s: str) -> str:
    return '"' + "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "\\u%04x" % ord(ch) for ch in s) + '"'


def write_safetensors(path: str, tensors: Dict[str, Tensor]) -> None:
    """Writes float64 tensors as a safetensors file (names sorted, as the format's writers do)."""
    entries = []
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu", torch.float64).contiguous()
        raw = bytes(t.reshape(-1).view(torch.uint8).tolist())
        shape = "[" + ",".join(str(d) for d in t.shape) + "]"
        entries.append('%s:{"dtype":"F64","shape":%s,"data_offsets":[%d,%d]}' % (_json_string(name), shape, offset, offset + len(raw)))
        blobs.append(raw)
        offset += len(raw)
    header = ("{" + ",".join(entries) + "}").encode("utf-8")
    header += b" " * ((8 - len(header) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(header).to_bytes(8, "little"))
        f.write(header)
        for raw in blobs:
            f.write(raw)


def _cell_of(module: torch.nn.Module) -> torch.nn.Module:
    return module.cell if isinstance(module, Layer) else module


def gated_state_dict(module: torch.nn.Module) -> Dict[str, Tensor]:
    """The cell's parameters under gated's names."""
    cell = _cell_of(module)
    return {GATED_NAMES[attr]: p for attr, p in cell.named_parameters()}


def load_gated_state_dict(module: torch.nn.Module, tensors: Dict[str, Tensor]) -> None:
    """Copies tensors named as gated names them into the cell; every name must match, shapes too."""
    cell = _cell_of(module)
    attrs = {g: a for a, g in GATED_NAMES.items()}
    params = dict(cell.named_parameters())
    for name in tensors:
        if name not in attrs:
            raise KeyError("unexpected tensor %s (cell parameters: %s)" % (name, ", ".join(GATED_NAMES.values())))
    for attr, name in GATED_NAMES.items():
        if name not in tensors:
            raise KeyError("missing tensor %s %s" % (name, list(params[attr].shape)))
        t = tensors[name]
        p = params[attr]
        if list(t.shape) != list(p.shape):
            raise ValueError("tensor %s has shape %s, expected %s" % (name, list(t.shape), list(p.shape)))
        with torch.no_grad():
            p.copy_(t.to(p.dtype))


def load_gated_safetensors(module: torch.nn.Module, path: str) -> None:
    """Loads parameters written by gated (or by save_gated_safetensors) into a Cell or Layer."""
    load_gated_state_dict(module, read_safetensors(path))


def save_gated_safetensors(module: torch.nn.Module, path: str) -> None:
    """Writes the cell's parameters under gated's names (float64), for gated import."""
    write_safetensors(path, gated_state_dict(module))
`;
