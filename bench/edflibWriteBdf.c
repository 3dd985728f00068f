/*
 * Bench fixture writer: a BDF+ file written by EDFlib (libedf-dev), an independent tool,
 * so that the bench's recording does not depend on neuroloop's own writer.
 *
 *   edflibWriteBdf RAW OUT CHANNELS FS_HZ PHYS_MAX DIG_MAX
 *
 * RAW holds int32 digital samples (native byte order) in record order: for each one-second
 * record, CHANNELS runs of FS_HZ samples. Every signal gets the symmetric grid
 * [-PHYS_MAX, PHYS_MAX] uV over [-DIG_MAX, DIG_MAX], the label chN and the unit uV.
 * Build: gcc -O2 -o edflibWriteBdf edflibWriteBdf.c -ledf
 */
#include <edflib.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s RAW OUT CHANNELS FS_HZ PHYS_MAX DIG_MAX\n", argv[0]);
    return 2;
  }
  const int channels = atoi(argv[3]);
  const int fs = atoi(argv[4]);
  const double physMax = atof(argv[5]);
  const int digMax = atoi(argv[6]);
  FILE *raw = fopen(argv[1], "rb");
  if (raw == NULL) {
    perror(argv[1]);
    return 1;
  }
  const int handle = edfopen_file_writeonly(argv[2], EDFLIB_FILETYPE_BDFPLUS, channels);
  if (handle < 0) {
    fprintf(stderr, "%s: edfopen_file_writeonly failed (%d)\n", argv[2], handle);
    return 1;
  }
  for (int s = 0; s < channels; s++) {
    char label[17];
    snprintf(label, sizeof label, "ch%d", s);
    if (edf_set_samplefrequency(handle, s, fs) || edf_set_physical_maximum(handle, s, physMax) || edf_set_physical_minimum(handle, s, -physMax) ||
        edf_set_digital_maximum(handle, s, digMax) || edf_set_digital_minimum(handle, s, -digMax) || edf_set_label(handle, s, label) ||
        edf_set_physical_dimension(handle, s, "uV")) {
      fprintf(stderr, "signal %d: EDFlib refused its parameters\n", s);
      return 1;
    }
  }
  edf_set_equipment(handle, "EDFlib (neuroloop bench fixture)");
  int *samples = malloc(sizeof(int) * (size_t)fs);
  for (;;) {
    for (int s = 0; s < channels; s++) {
      const size_t got = fread(samples, sizeof(int), (size_t)fs, raw);
      if (got == 0 && s == 0) goto done;
      if (got != (size_t)fs) {
        fprintf(stderr, "%s: ends inside a record\n", argv[1]);
        return 1;
      }
      if (edfwrite_digital_samples(handle, samples)) {
        fprintf(stderr, "%s: edfwrite_digital_samples failed\n", argv[2]);
        return 1;
      }
    }
  }
done:
  free(samples);
  fclose(raw);
  if (edfclose_file(handle)) {
    fprintf(stderr, "%s: edfclose_file failed\n", argv[2]);
    return 1;
  }
  return 0;
}
