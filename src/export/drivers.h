/* SPDX-License-Identifier: Apache-2.0 */
/* drivers.h - the storage driver tables, for export.c's registry only. */
#pragma once

#include "export/export.h"

extern const struct cadv_exporter cadv_exporter_stdout;
extern const struct cadv_exporter cadv_exporter_statsd;
extern const struct cadv_exporter cadv_exporter_influxdb;
extern const struct cadv_exporter cadv_exporter_redis;
extern const struct cadv_exporter cadv_exporter_kafka;
extern const struct cadv_exporter cadv_exporter_elasticsearch;
extern const struct cadv_exporter cadv_exporter_remote_write;
