/* fuzz_jsonl.c: the record reader on JSONL input (see fuzz_reader.inc). */
#define FUZZ_FORMAT FLO_FMT_JSONL
#include "fuzz_reader.inc"
