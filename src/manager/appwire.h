/* SPDX-License-Identifier: Apache-2.0 */
/* appwire.h - the manager's side of application metrics (app/app.h): the module is made with the
 * manager when the app kind is on, told about each container's labels and root process when its
 * runtime identity arrives, and about its removal. Internal to src/manager/. */
#pragma once

struct cadv_container;
struct cadv_manager;
struct cadv_spec;

void cadv_appwire_init(struct cadv_manager *m);
void cadv_appwire_done(struct cadv_manager *m);
/* c's runtime identity is spec (metadata worker): declares c's collectors, sets has_custom_metrics. */
void cadv_appwire_identity(struct cadv_manager *m, struct cadv_container *c, const struct cadv_spec *spec);
void cadv_appwire_remove(struct cadv_manager *m, struct cadv_container *c);
