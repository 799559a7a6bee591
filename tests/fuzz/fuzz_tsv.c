/* fuzz_tsv.c: the record reader on TSV input (see fuzz_reader.inc). */
#define FUZZ_FORMAT FLO_FMT_TSV
#include "fuzz_reader.inc"
