import type { Setting } from "./component.js";
import { ADMIN_SETTINGS } from "./settings-admin.js";
import { AUTOSCALING_SETTINGS } from "./settings-autoscaling.js";
import { GAMESERVER_SETTINGS } from "./settings-gameserver.js";
import { GATEWAY_SETTINGS } from "./settings-gateway.js";
import { MANAGER_SETTINGS } from "./settings-manager.js";
import { PLAYER_SETTINGS } from "./settings-players.js";
import { PROCESS_SETTINGS, SHARED_SETTINGS } from "./settings-shared.js";

// The whole settings table, one file per component; its order is the order of `roomgate --help`.

export const SETTINGS: Setting[] = [
  ...SHARED_SETTINGS,
  ...GATEWAY_SETTINGS,
  ...PLAYER_SETTINGS,
  ...MANAGER_SETTINGS,
  ...AUTOSCALING_SETTINGS,
  ...GAMESERVER_SETTINGS,
  ...PROCESS_SETTINGS,
  ...ADMIN_SETTINGS,
];
