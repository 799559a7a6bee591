/* fuzz_csv.c: the record reader on CSV input (see fuzz_reader.inc). */
#define FUZZ_FORMAT FLO_FMT_CSV
#include "fuzz_reader.inc"
