/** The venues table (migration 0008), merged into the shared Database type. */
export interface VenuesTable {
  code: string;
  name: string;
  address: string | null;
  registered_by_role: 'user' | 'health_professional' | 'admin';
  /** The staff member who registered it; null when a venue owner registered it from the app. */
  registered_by_staff: string | null;
  created_at: number;
  /**
   * Keyed hash of who registered the venue and its normalised name and address (migration 0017): finds an owner's
   * earlier registration of the same venue. Null for venues registered before.
   */
  duplicate_key: string | null;
}

declare module '../../platform/db/tables.js' {
  interface Database {
    venues: VenuesTable;
  }
}
