import {
  savedCatalogReportSchema,
  savedQuerySchema,
  type SavedCatalogReport,
  type SavedQuery,
  type SavedReportResource,
} from '@reportrun/core';
import type { SavedReport } from '@reportrun/db';

/** The public view of a stored saved report. */
export function toSavedReportResource(report: SavedReport): SavedReportResource {
  const definition = report.definition as Record<string, unknown> | null;
  if (definition !== null && typeof definition === 'object' && 'catalog_report' in definition) {
    const wrapped = savedCatalogReportSchema.safeParse(definition.catalog_report);
    return {
      id: report.id,
      object: 'saved_report',
      livemode: report.livemode,
      name: report.name,
      catalog_report: wrapped.success ? wrapped.data : (definition.catalog_report as SavedCatalogReport),
      created_at: report.createdAt.toISOString(),
      updated_at: report.updatedAt.toISOString(),
    };
  }
  const parsed = savedQuerySchema.safeParse(report.definition);
  return {
    id: report.id,
    object: 'saved_report',
    livemode: report.livemode,
    name: report.name,
    // Definitions are stored already checked and normalized, so this parse succeeds; should a
    // later schema refuse an old one, the stored query is still shown as saved (running it
    // answers saved_report_invalid) rather than hiding the report.
    query: parsed.success ? parsed.data : (report.definition as SavedQuery),
    created_at: report.createdAt.toISOString(),
    updated_at: report.updatedAt.toISOString(),
  };
}
