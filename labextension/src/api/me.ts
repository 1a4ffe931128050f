import { requestApi } from './client';

/** The caller as the workbench knows it: the name its changes are recorded as. */
export interface Caller {
  principal: string;
  roles: string[];
}

/** Who the user is to the workbench. */
export function whoAmI(): Promise<Caller> {
  return requestApi<Caller>('me');
}
