// plugin: `plugin.<name>.<options>`; options belong to the plugin, so they are not checked.
import { z } from 'zod';
import { looseObject } from '../../schema/strict-object.js';

export const plugin = z.preprocess((v) => (v === null ? {} : v), z.record(looseObject));
