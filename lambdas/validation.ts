/**
 * The zod every Lambda module validates with: `import * as z from '../validation'`.
 * zod/mini is tree-shakable, so a bundle carries only the schema kinds it uses and a cold start imports
 * far less than classic zod. Unlike classic zod, mini loads no locale, and issue messages reach users
 * (OAuth error_description, OBUK error Message, configuration errors), so zod's English messages are set here.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
