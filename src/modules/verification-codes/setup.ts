import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import { MAX_ONSET_AGE_DAYS } from '../../platform/time/plausible-dates.js';
import type { AuditService } from '../audit/service.js';
import type { CaseReportsService } from '../cases/case-reports-service.js';
import { VerificationCodesRepository } from './repository.js';
import { verificationCodesRoutes } from './routes.js';
import { deriveCodeKey, VerificationCodesService } from './service.js';

/** Verification codes: how a confirmed result reaches the phone (issued by staff, redeemed in the app). */
export function setupVerificationCodes(
  { db, config }: ModuleContext,
  deps: {
    readonly tokenSecret: string;
    readonly caseReports: Pick<CaseReportsService, 'record'>;
    readonly audit: AuditService;
  },
) {
  const codes = new VerificationCodesService(
    new VerificationCodesRepository(db),
    deps.caseReports,
    deps.audit,
    deriveCodeKey(deps.tokenSecret),
    {
      timeZone: config.timeZone,
      maxOnsetAgeDays: MAX_ONSET_AGE_DAYS,
      shortCodeTtlMinutes: config.verificationCodeTtlMinutes,
      maxAttempts: config.verificationMaxAttempts,
    },
  );
  return { routes: (app) => app.register(verificationCodesRoutes, { codes }) } satisfies ModuleParts;
}
