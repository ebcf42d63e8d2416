"""RecordIO-protobuf as the SageMaker Python SDK writes and reads it, for Kiln's cross-check.

The SDK (sagemaker.amazon.common) frames each serialized aialgs.data.Record with struct: the magic
number 0xced7230a and the data length as native (little-endian here) uint32s, the data, zero padding to
4 bytes. Dense rows are a float32 tensor of values; sparse rows add keys (uint64) and shape [columns];
a label is a one-value float32 tensor under "values". The message classes come from Debian's
python3-protobuf and a descriptor built below from the published field layout (not from Kiln's .proto).

Request (JSON file, argv[1]): {"dense": [[label, f0, f1, ...], ...], "sparse": {"columns": n,
"rows": [[label, [keys], [values]], ...]}, "dense_out": path, "sparse_out": path, "read": path}.
Writes the dense and sparse rows to their paths; prints {"read": [record, ...]} for the records in the
"read" file, each {"label": [...], "values": [...], "keys": [...], "shape": [...]}.
"""
import json
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto
MAGIC = 0xCED7230A


def record_class():
    f = descriptor_pb2.FileDescriptorProto(name="reference_record.proto", package="aialgs.data", syntax="proto2")

    def tensor(name, value_type):
        m = f.message_type.add(name=name)
        for number, field, kind in ((1, "values", value_type), (2, "keys", F.TYPE_UINT64), (3, "shape", F.TYPE_UINT64)):
            m.field.add(name=field, number=number, type=kind, label=F.LABEL_REPEATED).options.packed = True

    tensor("Float32Tensor", F.TYPE_FLOAT)
    tensor("Float64Tensor", F.TYPE_DOUBLE)
    tensor("Int32Tensor", F.TYPE_INT32)
    b = f.message_type.add(name="Bytes")
    b.field.add(name="value", number=1, type=F.TYPE_BYTES, label=F.LABEL_REPEATED)
    b.field.add(name="content_type", number=2, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    v = f.message_type.add(name="Value")
    v.oneof_decl.add(name="value")
    for number, field, kind in ((2, "float32_tensor", "Float32Tensor"), (3, "float64_tensor", "Float64Tensor"),
                                (7, "int32_tensor", "Int32Tensor"), (9, "bytes", "Bytes")):
        v.field.add(name=field, number=number, type=F.TYPE_MESSAGE, type_name=".aialgs.data." + kind,
                    label=F.LABEL_OPTIONAL, oneof_index=0)
    r = f.message_type.add(name="Record")
    for number, field, entry in ((1, "features", "FeaturesEntry"), (2, "label", "LabelEntry")):
        e = r.nested_type.add(name=entry)
        e.options.map_entry = True
        e.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
        e.field.add(name="value", number=2, type=F.TYPE_MESSAGE, type_name=".aialgs.data.Value", label=F.LABEL_OPTIONAL)
        r.field.add(name=field, number=number, type=F.TYPE_MESSAGE, type_name=".aialgs.data.Record." + entry,
                    label=F.LABEL_REPEATED)
    for number, field in ((3, "uid"), (4, "metadata"), (5, "configuration")):
        r.field.add(name=field, number=number, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    descriptor = pool.FindMessageTypeByName("aialgs.data.Record")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


Record = record_class()


def write_record(out, data):
    length = len(data)
    out.write(struct.pack("I", MAGIC))
    out.write(struct.pack("I", length))
    out.write(data)
    out.write(bytes((((length + 3) >> 2) << 2) - length))


def read_records(buf):
    at = 0
    while at < len(buf):
        magic, length = struct.unpack_from("<II", buf, at)
        assert magic == MAGIC, "bad magic at %d" % at
        at += 8
        yield buf[at:at + length]
        at += ((length + 3) >> 2) << 2


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    record = Record()
    with open(request["dense_out"], "wb") as out:
        for row in request["dense"]:
            record.Clear()
            record.features["values"].float32_tensor.values.extend(row[1:])
            record.label["values"].float32_tensor.values.extend([row[0]])
            write_record(out, record.SerializeToString())
    with open(request["sparse_out"], "wb") as out:
        for label, keys, values in request["sparse"]["rows"]:
            record.Clear()
            record.features["values"].float32_tensor.values.extend(values)
            record.features["values"].float32_tensor.keys.extend(keys)
            record.label["values"].float32_tensor.values.extend([label])
            record.features["values"].float32_tensor.shape.extend([request["sparse"]["columns"]])
            write_record(out, record.SerializeToString())
    read = []
    with open(request["read"], "rb") as f:
        for data in read_records(f.read()):
            record.Clear()
            record.ParseFromString(data)
            t = record.features["values"].float32_tensor
            read.append({"label": list(record.label["values"].float32_tensor.values), "values": list(t.values),
                         "keys": list(t.keys), "shape": list(t.shape)})
    json.dump({"read": read}, sys.stdout)


main()
