/** The REST API's models, as `mcp_workbench.service.models` defines them. */

export interface Lane {
  id: string;
  title: string;
  position: number;
  wip_limit: number | null;
}

export interface Card {
  id: string;
  board_id: string;
  lane_id: string;
  title: string;
  body: string;
  position: number;
  done: boolean;
  due: string | null;
  tags: string[];
  archived: boolean;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface Board {
  id: string;
  title: string;
  archived: boolean;
  version: number;
  lanes: Lane[];
  created_at: number;
  updated_at: number;
}

export interface BoardView extends Board {
  cards: Card[];
}

/** An error as the API answers it: Jupyter's shape plus the workbench's details. */
export interface ErrorReply {
  message: string;
  reason?: string | null;
  data?: unknown;
}
